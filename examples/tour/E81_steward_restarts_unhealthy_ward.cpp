// E81 steward-restarts-unhealthy-ward: a steward watches a long-running ward and
// restarts it when its heartbeat stops. The ward here never beats (it returns a
// nil heartbeat channel), so every 4 s the steward logs that it is unhealthy,
// stops it and starts a new one; main stops them all after 9 s:
//   HH:MM:SS ward: Hello, I'm irresponsible!
//   HH:MM:SS steward: ward unhealthy; restarting      (at 4 s, and at 8 s)
//   HH:MM:SS ward: I am halting.
//   HH:MM:SS ward: Hello, I'm irresponsible!
//   ...
//   HH:MM:SS main: halting steward and ward.
//   HH:MM:SS Done
// The steward is patterns::Steward, whose restart hook logs the restart. Time is
// scaled down a hundredfold (a 40 ms timeout, halting at 90 ms); --scale N divides
// the tutorial's times by N instead, --full runs them as they are. --steady prints
// the time since the start instead of the clock.
// Ported with the tutorial's bug fixed: a ward heartbeat continues monitorLoop.
#include <chrono>
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour_flags.hpp"
#include "tour_log.hpp"

using namespace std::chrono_literals;
using namespace gocxx;

int main(int argc, char** argv) {
  bool full = false;
  bool steady = false;
  long scale = 100;
  if (!tour::parse_flags(
          argc, argv,
          {{"--scale", &scale}, {"--full", nullptr, &full}, {"--steady", nullptr, &steady}},
          "[--scale N] [--full] [--steady]"))
    return 2;
  if (full) scale = 1;
  return run([scale, steady] {
    tour::Log log(steady);
    // Goroutines copy the log: the last ward may still log while main returns.
    patterns::StartFn do_work = [log](patterns::Done done, time::Duration) {
      log.printf("ward: Hello, I'm irresponsible!");
      go([done, log] {
        done.chan().recv();
        log.printf("ward: I am halting.");
      });
      return RecvChan<>();  // never beats
    };
    // Four seconds without a sign of life means the ward is in trouble.
    patterns::Steward do_work_with_steward(time::Duration(4s) / scale, do_work, [log] {
      log.printf("steward: ward unhealthy; restarting");
    });
    Chan<> done = make_chan<>();
    time::Timer halt = time::after_func(time::Duration(9s) / scale, [log, done] {
      log.printf("main: halting steward and ward.");
      done.close();
    });
    for ([[maybe_unused]] Unit pulse : do_work_with_steward(done, time::Duration(4s) / scale)) {
    }
    log.printf("Done");
  });
}
