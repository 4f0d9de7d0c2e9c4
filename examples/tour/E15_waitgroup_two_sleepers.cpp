// E15 waitgroup-two-sleepers: Add(1) before each `go`, `defer
// wg.Done()` in each goroutine, and Wait blocks until both have finished: the two
// `sleeping...` lines print in either order, `All goroutines complete.` always last.
// (The tutorial's time.Sleep(1) and time.Sleep(2) sleep 1ns and 2ns: an untyped
// integer Duration counts nanoseconds. Kept as written.)
#include <chrono>
#include <cstdio>

#include "gocxx/gocxx.hpp"

using namespace std::chrono_literals;

namespace {

struct DeferDone {
  gocxx::sync::WaitGroup& wg;
  ~DeferDone() { wg.done(); }
};

}  // namespace

int main() {
  return gocxx::run([] {
    gocxx::sync::WaitGroup wg;
    wg.add(1);
    gocxx::go([&wg] {
      DeferDone done{wg};
      std::printf("1st goroutine sleeping...\n");
      gocxx::time::sleep(1ns);
    });
    wg.add(1);
    gocxx::go([&wg] {
      DeferDone done{wg};
      std::printf("2nd goroutine sleeping...\n");
      gocxx::time::sleep(2ns);
    });
    wg.wait();
    std::printf("All goroutines complete.\n");
  });
}
