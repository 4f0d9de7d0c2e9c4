// E89 pprof-profiles: runtime/pprof's predefined profiles watch a running
// program. gocxx has goroutine, threadcreate, block and mutex (and goroutineleak);
// heap is not provided: C++ has no collector to sample allocations, so lookup
// returns nullptr (heaptrack or jemalloc's profiler fill that role).
//
// The program looks each of the tutorial's five names up, then shows the
// goroutine profile's count following live goroutines: up by 5 while 5 goroutines
// wait, back down once they are released and have exited.
#include <cstdio>

#include "gocxx/gocxx.hpp"

int main() {
  return gocxx::run([] {
    for (const char* name : {"goroutine", "heap", "threadcreate", "block", "mutex"}) {
      gocxx::pprof::Profile* p = gocxx::pprof::lookup(name);
      if (p != nullptr) {
        std::printf("%-12s found, count %d\n", name, p->count());
      } else {
        std::printf("%-12s not provided\n", name);
      }
    }
    std::printf("%-12s %s\n", "nope",
                gocxx::pprof::lookup("nope") == nullptr ? "not provided" : "found");

    gocxx::pprof::Profile* goroutines = gocxx::pprof::lookup("goroutine");
    int before = goroutines->count();
    auto release = gocxx::make_chan<int>();
    gocxx::sync::WaitGroup wg;
    for (int i = 0; i < 5; i++) {
      wg.add(1);
      gocxx::go([release, &wg] {
        release.recv();
        wg.done();
      });
    }
    std::printf("goroutines: %d before, %d with 5 waiting", before, goroutines->count());
    release.close();
    wg.wait();
    // wg.done() runs before each goroutine has returned: wait until all have.
    while (goroutines->count() != before) gocxx::runtime::gosched();
    std::printf(", %d after they exit\n", goroutines->count());
  });
}
