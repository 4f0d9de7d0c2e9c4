// E39 channel-owner-result-stream: the owner creates the
// channel, writes to it, closes it and hands out only its receive side; the
// consumer just ranges over it until it is closed.
#include <cstdio>

#include "gocxx/gocxx.hpp"

int main() {
  return gocxx::run([] {
    auto chanOwner = []() -> gocxx::RecvChan<int> {
      auto resultStream = gocxx::make_chan<int>(5);
      gocxx::go([resultStream] {
        for (int i = 0; i <= 5; i++) resultStream.send(i);
        resultStream.close();  // defer close(resultStream)
      });
      return resultStream;
    };
    gocxx::RecvChan<int> resultStream = chanOwner();
    for (int result : resultStream) std::printf("Received: %d\n", result);
    std::printf("Done receiving!\n");
  });
}
