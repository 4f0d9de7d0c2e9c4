// E34 range-over-channel: `for v := range ch` receives until the
// producer closes the channel (with `defer close`).
#include <cstdio>

#include "gocxx/gocxx.hpp"

int main() {
  return gocxx::run([] {
    auto intStream = gocxx::make_chan<int>();
    gocxx::go([intStream] {
      struct Close {
        gocxx::Chan<int> c;
        ~Close() { c.close(); }  // defer close(intStream)
      } deferred{intStream};
      for (int i = 1; i <= 5; i++) intStream.send(i);
    });
    for (int integer : intStream) std::printf("%d ", integer);
  });
}
