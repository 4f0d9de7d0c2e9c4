// E87 gotraceback-all: run with GOTRACEBACK=all, a panic
// prints the stacks of all goroutines, here also `goroutine 1 [chan receive]:`.
// (The tutorial's command lacks the variable: `GOTRACEBACK=all go run goroutine_panic.go`.)
// The program is E86's; this one panics with the runtime's own Panic type.
#include <any>
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
      throw gocxx::Panic("test panic");  // panic("test panic")
    });
    waitForever.recv();
  });
}
