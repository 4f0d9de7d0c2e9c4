// E45 for-select-default-work: a for-select loop whose
// `default` makes the check of `done` non-blocking: between checks it does a unit of
// work (1s), and once `done` is closed (after 5s) it leaves the loop (Go's
// `break loop`). Typically 5 cycles; 6 if the check at 5s runs just before the close.
// Usage: tour_E45 [--scale N]   (--scale divides every duration by N)
#include <any>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "gocxx/gocxx.hpp"
#include "tour_flags.hpp"

using namespace std::chrono_literals;

int main(int argc, char** argv) {
  long scale = 1;
  if (!tour::parse_flags(argc, argv, {{"--scale", &scale}}, "[--scale N]")) return 2;
  return gocxx::run([scale] {
    auto done = gocxx::make_chan<std::any>();
    gocxx::go([done, scale] {
      gocxx::time::sleep(gocxx::time::Duration(5s) / scale);
      done.close();
    });
    int workCounter = 0;
    for (;;) {                                          // loop:
      if (gocxx::select(gocxx::recv(done),              // case <-done: break loop
                        gocxx::default_case()) == 0) {  // default: usual in a for-select
        break;
      }
      // Simulate work
      workCounter++;
      gocxx::time::sleep(gocxx::time::Duration(1s) / scale);
    }
    std::printf("Achieved %d cycles of work before signalled to stop.\n", workCounter);
  });
}
