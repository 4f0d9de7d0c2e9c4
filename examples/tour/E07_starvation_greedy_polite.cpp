// E07 starvation-greedy-polite: starvation. Both workers run
// for `runtime` (1s) on one shared mutex: the greedy one holds it for its whole unit
// of work (a 3ns sleep), the polite one takes it three times per unit, for 1ns
// each. The greedy worker gets an unfair share of the lock and usually completes
// more work loops (how many more depends on the mutex's fairness; Go's mutex, like
// gocxx's, has a starvation mode). The two lines print in either order, verbatim:
// the greedy line has no final period, the polite line has one.
// (Nanosecond sleeps really sleep for the shortest time the timer allows.)
// Usage: tour_E07 [--scale N] [--elapsed]
//   --scale N   divides `runtime` by N
//   --elapsed   then prints the time main took, as `elapsed <Go duration>`
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "gocxx/gocxx.hpp"
#include "tour_flags.hpp"

using namespace std::chrono_literals;
using gocxx::time::Duration;

int main(int argc, char** argv) {
  long scale = 1;
  bool elapsed = false;
  if (!tour::parse_flags(argc, argv, {{"--scale", &scale}, {"--elapsed", nullptr, &elapsed}},
                         "[--scale N] [--elapsed]"))
    return 2;
  return gocxx::run([=] {
    auto start = gocxx::time::now();
    gocxx::sync::WaitGroup wg;
    gocxx::sync::Mutex sharedLock;
    const Duration runtime = Duration(1s) / scale;
    auto greedyWorker = [&] {
      long count = 0;
      for (auto begin = gocxx::time::now(); gocxx::time::since(begin) <= runtime;) {
        sharedLock.lock();
        gocxx::time::sleep(3ns);  // 3ns of work per loop
        sharedLock.unlock();
        count++;
      }
      std::printf("Greedy worker was able to execute %ld work loops\n", count);
      wg.done();
    };
    auto politeWorker = [&] {
      long count = 0;
      for (auto begin = gocxx::time::now(); gocxx::time::since(begin) <= runtime;) {
        sharedLock.lock();
        gocxx::time::sleep(1ns);  // 1ns of work per lock
        sharedLock.unlock();
        sharedLock.lock();
        gocxx::time::sleep(1ns);
        sharedLock.unlock();
        sharedLock.lock();
        gocxx::time::sleep(1ns);
        sharedLock.unlock();
        count++;
      }
      std::printf("Polite worker was able to execute %ld work loops.\n", count);
      wg.done();
    };
    wg.add(2);
    gocxx::go(greedyWorker);
    gocxx::go(politeWorker);
    wg.wait();
    if (elapsed) {
      std::printf("elapsed %s\n", gocxx::time::to_string(gocxx::time::since(start)).c_str());
    }
  });
}
