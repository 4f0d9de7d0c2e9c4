// E74 heartbeat-interval: a heartbeat shows that the system is
// working. The worker pulses every pulseInterval (a non-blocking send: dropped when
// nobody listens), produces a result every 2 pulseIntervals, and keeps pulsing while
// it waits to hand a result over. The consumer treats nothing within `timeout` as
// unhealthy (time.After is re-armed by every select). done is closed after 10s.
//
// The tutorial's worker never closes its channels, so after done the consumer hears
// nothing for 2s and prints `worker goroutine is not healthy!` at 12s. This port is
// the fixed version (the book's, patterns::heartbeat over a result every two
// intervals): the worker closes heartbeat and results when it returns, and the
// consumer stops at 10s; `--verbatim` runs the tutorial's code as is.
// Results print as Go prints a time.Time (UTC; m= is the monotonic reading since the
// program started).
// Usage: tour_E74 [--verbatim] [--scale N] [--elapsed]
//   --scale N   divides every duration by N
//   --elapsed   then prints the time main took, as `elapsed <Go duration>`
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <optional>
#include <string>
#include <utility>

#include "gocxx/gocxx.hpp"
#include "tour_flags.hpp"

using namespace std::chrono_literals;
using gocxx::time::Duration;

namespace {

const auto kStartSteady = std::chrono::steady_clock::now();
const auto kStartWall = std::chrono::system_clock::now();

// Go's time.Time.String(), in UTC: "2006-01-02 15:04:05.999999999 +0000 UTC m=+0.000000000".
std::string go_time(gocxx::time::Time t) {
  auto mono = std::chrono::duration_cast<std::chrono::nanoseconds>(t - kStartSteady);
  auto wall = std::chrono::time_point_cast<std::chrono::nanoseconds>(kStartWall) + mono;
  auto secs = std::chrono::floor<std::chrono::seconds>(wall);
  std::time_t tt = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
  std::string out = date;
  if (auto frac = (wall - secs).count(); frac != 0) {
    char digits[16];
    std::snprintf(digits, sizeof digits, ".%09lld", static_cast<long long>(frac));
    std::string f = digits;
    out += f.substr(0, f.find_last_not_of('0') + 1);
  }
  std::int64_t m = mono.count();
  char monotonic[48];
  std::snprintf(monotonic, sizeof monotonic, " +0000 UTC m=%c%" PRId64 ".%09" PRId64,
                m < 0 ? '-' : '+', (m < 0 ? -m : m) / 1'000'000'000,
                (m < 0 ? -m : m) % 1'000'000'000);
  return out + monotonic;
}

// The tutorial's doWork, as it is written: it never closes its channels.
std::pair<gocxx::RecvChan<>, gocxx::RecvChan<gocxx::time::Time>> doWorkVerbatim(
    const gocxx::RecvChan<>& done, Duration pulseInterval) {
  auto heartbeat = gocxx::make_chan<>();
  auto results = gocxx::make_chan<gocxx::time::Time>();
  gocxx::go([=] {
    auto pulse = gocxx::time::tick(pulseInterval);
    auto workGen = gocxx::time::tick(2 * pulseInterval);
    auto sendPulse = [&] {
      gocxx::select(gocxx::send(heartbeat, gocxx::Unit{}), gocxx::default_case());
    };
    auto sendResult = [&](gocxx::time::Time r) {
      for (;;) {
        if (gocxx::select(gocxx::recv(pulse, [&](auto) { sendPulse(); }),
                          gocxx::send(results, r)) == 1) {
          return;
        }
      }
    };
    for (;;) {
      std::optional<gocxx::time::Time> r;
      switch (gocxx::select(gocxx::recv(done),
                            gocxx::recv(pulse),          // a pulse every interval
                            gocxx::recv(workGen, r))) {  // a result every two intervals
        case 0:
          return;
        case 1:
          sendPulse();
          break;
        case 2:
          sendResult(*r);
          break;
      }
    }
  });
  return {heartbeat, results};  // the pulses and the results
}

// The fixed doWork: a result every two intervals, forwarded with a pulse every
// interval while it waits; both channels close once done is.
std::pair<gocxx::RecvChan<>, gocxx::RecvChan<gocxx::time::Time>> doWork(
    const gocxx::RecvChan<>& done, Duration pulseInterval) {
  return gocxx::patterns::heartbeat(done, pulseInterval, gocxx::time::tick(2 * pulseInterval));
}

}  // namespace

int main(int argc, char** argv) {
  long scale = 1;
  bool verbatim = false, elapsed = false;
  if (!tour::parse_flags(argc, argv,
                         {{"--scale", &scale},
                          {"--verbatim", nullptr, &verbatim},
                          {"--elapsed", nullptr, &elapsed}},
                         "[--verbatim] [--scale N] [--elapsed]"))
    return 2;
  return gocxx::run([=] {
    auto start = gocxx::time::now();
    auto done = gocxx::make_chan<>();
    gocxx::time::after_func(Duration(10s) / scale, [done] { done.close(); });
    const Duration timeout = Duration(2s) / scale;
    // A pulse every second, a result every two.
    auto [heartbeat, results] =
        verbatim ? doWorkVerbatim(done, timeout / 2) : doWork(done, timeout / 2);
    for (bool more = true; more;) {  // receive pulses and results
      std::optional<gocxx::Unit> beat;
      std::optional<gocxx::time::Time> r;
      switch (gocxx::select(gocxx::recv(heartbeat, beat), gocxx::recv(results, r),
                            // Every select arms a new 2s timeout: blocked that long, it fires.
                            gocxx::recv(gocxx::time::after(timeout)))) {
        case 0:
          if (!beat) {
            more = false;
            break;
          }
          std::printf("pulse\n");
          break;
        case 1:
          if (!r) {
            more = false;
            break;
          }
          std::printf("results %s\n", go_time(*r).c_str());
          break;
        case 2:
          std::printf("worker goroutine is not healthy!\n");
          more = false;
          break;
      }
    }
    if (elapsed) {
      std::printf("elapsed %s\n", gocxx::time::to_string(gocxx::time::since(start)).c_str());
    }
  });
}
