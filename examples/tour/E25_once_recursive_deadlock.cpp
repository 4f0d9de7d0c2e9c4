// E25 once-recursive-deadlock: onceA.Do(initA) runs initA,
// which calls onceB.Do(initB), whose initB calls onceA.Do(initA): that call waits for
// the outer onceA.Do to finish, which waits for it. A deadlock: the program never
// gets past the outer call.
//
// Go aborts with `fatal error: all goroutines are asleep - deadlock!` (exit status
// 2). gocxx has no deadlock detector yet, so this program hangs; --watchdog-ms N
// stands in for the detector: a plain thread that, N ms after the start, explains
// on stderr and exits with status 2. Each step is printed as it starts, so the
// output shows where the program stops; `onceA.Do(initA) returned` never appears.
// Usage: tour_E25 [--watchdog-ms N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <thread>

#include "deadlock_watchdog.hpp"
#include "gocxx/gocxx.hpp"
#include "tour_flags.hpp"

int main(int argc, char** argv) {
  long watchdog_ms = 0;
  if (!tour::parse_flags(argc, argv, {{"--watchdog-ms", &watchdog_ms}}, "[--watchdog-ms N]"))
    return 2;
  if (watchdog_ms > 0) tour::start_deadlock_watchdog(watchdog_ms);
  return gocxx::run([] {
    gocxx::sync::Once onceA, onceB;
    std::function<void()> initB;
    std::function<void()> initA = [&] {
      std::printf("initA: onceB.Do(initB)\n");
      onceB.call(initB);
    };
    initB = [&] {
      std::printf("initB: onceA.Do(initA)\n");
      onceA.call(initA);  // this line won't proceed until the line below completes
    };
    std::printf("main: onceA.Do(initA)\n");
    onceA.call(initA);  // this line won't complete until the line above is done
    std::printf("onceA.Do(initA) returned\n");
  });
}
