// E82 steward-restarts-worker-bridge: a ward that dies half-way through its work
// and is restarted. Each ward registers its output stream in a channel of
// channels, which main reads through bridge; it sends 1, 2, -1, 3, 4, 5 while
// pulsing, and on the negative value logs it and returns. The steward (timeout
// 1 ms) restarts it, so main keeps getting values:
//   Received: 1
//   Received: 2
//   HH:MM:SS negative value: -1
//   HH:MM:SS steward: ward unhealthy; restarting
//   Received: 1
//   ...                                     (six values: 1, 2, 1, 2, 1, 2)
// --timeout-ms N gives the steward a timeout of N ms instead of 1 (1 ms restarts a
// ward that merely waited a millisecond for the scheduler, under load).
// --steady prints the time since the start instead of the clock on log lines.
#include <chrono>
#include <cstdio>
#include <utility>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "tour_flags.hpp"
#include "tour_log.hpp"

using namespace std::chrono_literals;
using namespace gocxx;

namespace {

// The ward's start function, and the stream of its values across restarts.
std::pair<patterns::StartFn, RecvChan<int>> do_work_fn(const patterns::Done& done, tour::Log log,
                                                       std::vector<int> int_list) {
  Chan<RecvChan<int>> int_chan_stream = make_chan<RecvChan<int>>();
  RecvChan<int> int_stream = patterns::bridge(done, int_chan_stream);
  patterns::StartFn do_work = [int_chan_stream, int_list, log](patterns::Done ward_done,
                                                               time::Duration pulse_interval) {
    Chan<int> values = make_chan<int>();
    Chan<> heartbeat = make_chan<>(1);
    go([=] {
      struct Close {
        const Chan<int>& c;
        ~Close() { c.close(); }
      } close_values{values};
      // Register our stream before working: main reads it through bridge.
      if (!patterns::send_or_done(ward_done, int_chan_stream, RecvChan<int>(values))) return;
      time::Ticker pulse = time::new_ticker(pulse_interval);
      struct Stop {
        time::Ticker& t;
        ~Stop() { t.stop(); }
      } stop{pulse};
      for (;;) {
        for (int int_val : int_list) {
          if (int_val < 0) {
            log.printf("negative value: %d", int_val);
            return;
          }
          for (bool sent = false; !sent;) {
            switch (select(recv(pulse.c), send(values, int_val), recv(ward_done.chan()))) {
              case 0:
                patterns::pulse(heartbeat);
                break;
              case 1:
                sent = true;  // on to the next value
                break;
              default:
                return;
            }
          }
        }
      }
    });
    return RecvChan<>(heartbeat);
  };
  return {do_work, int_stream};
}

}  // namespace

int main(int argc, char** argv) {
  long timeout_ms = 1;
  bool steady = false;
  if (!tour::parse_flags(argc, argv,
                         {{"--timeout-ms", &timeout_ms}, {"--steady", nullptr, &steady}},
                         "[--timeout-ms N] [--steady]"))
    return 2;
  return run([timeout_ms, steady] {
    tour::Log log(steady);
    Chan<> done = make_chan<>();
    auto [do_work, int_stream] = do_work_fn(done, log, {1, 2, -1, 3, 4, 5});
    patterns::Steward do_work_with_steward(std::chrono::milliseconds(timeout_ms), do_work, [log] {
      log.printf("steward: ward unhealthy; restarting");
    });
    do_work_with_steward(done, 1h);  // the steward's own pulse: nobody listens
    for (int int_val : patterns::take(done, int_stream, 6)) {
      std::printf("Received: %d\n", int_val);
      std::fflush(stdout);  // in order with the log lines, also into a pipe
    }
    done.close();
  });
}
