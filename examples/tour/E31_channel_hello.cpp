// E31 channel-hello: on an unbuffered channel the send may block
// until the receiver is ready, and the receive blocks until a value is sent.
#include <cstdio>
#include <string>

#include "gocxx/gocxx.hpp"

int main() {
  return gocxx::run([] {
    auto stringStream = gocxx::make_chan<std::string>();
    gocxx::go([stringStream] {
      stringStream.send("Hello channels!");  // may block until the receiver is ready
    });
    std::printf("%s\n", stringStream.recv()->c_str());  // blocks until a value is sent
  });
}
