// The stand-in for Go's deadlock detector in the tour's deadlock examples (E05,
// E25): gocxx cannot see that every goroutine is blocked yet, so a plain thread
// ends the process the way Go would, once the example has had time to finish.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace tour {

// After ms milliseconds: explains on stderr and exits with Go's status for a
// deadlock (2).
inline void start_deadlock_watchdog(long ms) {
  std::thread([ms] {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    std::fflush(stdout);
    std::fprintf(stderr,
                 "deadlock: no progress after %ld ms (Go would report: fatal error: all "
                 "goroutines are asleep - deadlock!)\n",
                 ms);
    std::_Exit(2);
  }).detach();
}

}  // namespace tour
