// E32 channel-never-sent-deadlock: the sender goroutine returns
// before it sends (`if 0 != 1 { return }`), so main's receive waits forever. Every
// goroutine is then asleep: the runtime ends the program with `fatal error: all
// goroutines are asleep - deadlock!`, main's traceback (parked in [chan receive])
// and exit status 2; the Printf never runs.
#include <cstdio>
#include <optional>
#include <string>

#include "gocxx/gocxx.hpp"

int main() {
  return gocxx::run([] {
    auto stringStream = gocxx::make_chan<std::string>();
    gocxx::go([stringStream] {
      volatile int zero = 0;  // `if 0 != 1`: a condition the compiler cannot fold
      if (zero != 1) return;
      stringStream.send("Hello channels!");
    });
    std::optional<std::string> salutation =
        stringStream.recv();  // salutation, ok := <-stringStream
    std::printf("(%s): %s", salutation ? "true" : "false", salutation.value_or("").c_str());
  });
}
