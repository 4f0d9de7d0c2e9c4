// E86 goroutine-panic-exit-2: a panic nobody recovers in any
// goroutine prints that goroutine's stack and ends the whole program with exit
// status 2; main's blocking receive is abandoned.
#include <any>
#include <stdexcept>
#include <string>

#include "gocxx/gocxx.hpp"

int main() {
  return gocxx::run([] {
    auto waitForever = gocxx::make_chan<std::any>();
    gocxx::go([] {
      // Panic only once main waits in its receive, as in the tutorial's output
      // (otherwise the order would depend on the scheduler).
      while (gocxx::runtime::stack(true).find("goroutine 1 [chan receive]") == std::string::npos) {
        gocxx::runtime::gosched();
      }
      throw std::runtime_error("test panic");  // panic("test panic")
    });
    waitForever.recv();
  });
}
