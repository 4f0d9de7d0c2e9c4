// E50 lexical-confinement-chanowner: lexical confinement. The channel is made
// inside chan_owner, which alone writes it; only a receive-only view escapes, and
// consumer takes a RecvChan<int>, so writing to it would not compile.
#include <cstdio>

#include "gocxx/gocxx.hpp"

using namespace gocxx;

int main() {
  return run([] {
    auto chan_owner = [] {
      Chan<int> results = make_chan<int>(5);
      go([results] {
        for (int i = 0; i <= 5; i++) results.send(i);
        results.close();
      });
      return RecvChan<int>(results);
    };
    auto consumer = [](RecvChan<int> results) {
      for (int result : results) std::printf("Received: %d\n", result);
      std::printf("Done receiving!\n");
    };
    RecvChan<int> results = chan_owner();
    consumer(results);
  });
}
