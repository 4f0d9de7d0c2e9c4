// E79 multi-limiter: finer control by combining token buckets. The API's limiter
// is a MultiLimiter of two: 2 tokens a second with depth 1, and 10 a minute with
// depth 10 (one every 6 s). A call needs a token from each. So the first ten calls
// go two a second (the last at 4.5 s), the minute bucket is then empty, and the
// next calls come one every 6 s (at 6 s, 12 s, ... 60 s): 2 a second are allowed,
// but at most 10 a minute. Twenty goroutines call as in E78.
//
// Time is scaled down twentyfold (about 3 s in all); --full runs the tutorial's
// times, --scale N divides them by N. Each line is log's `HH:MM:SS message` (UTC);
// --steady prints the time since the start instead.
#include <chrono>
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour_flags.hpp"
#include "tour_log.hpp"

using namespace std::chrono_literals;
using namespace gocxx;

namespace {

class APIConnection {
 public:
  explicit APIConnection(long scale)
      : second_limit_(rate::per(2, time::Duration(1s) / scale), 1),
        minute_limit_(rate::per(10, time::Duration(1min) / scale), 10),
        limiter_(second_limit_, minute_limit_) {}

  Error read_file(const context::Context& ctx) {
    if (Error err = limiter_.wait(ctx)) return err;
    // Pretend we do work here.
    return Error();
  }

  Error resolve_address(const context::Context& ctx) {
    if (Error err = limiter_.wait(ctx)) return err;
    // Pretend we do work here.
    return Error();
  }

 private:
  rate::Limiter second_limit_;  // 2 a second, depth 1
  rate::Limiter minute_limit_;  // 10 a minute, depth 10
  rate::MultiLimiter limiter_;  // a token from each, the strictest first
};

}  // namespace

int main(int argc, char** argv) {
  bool full = false;
  bool steady = false;
  long scale = 20;
  if (!tour::parse_flags(
          argc, argv,
          {{"--full", nullptr, &full}, {"--scale", &scale}, {"--steady", nullptr, &steady}},
          "[--full | --scale N] [--steady]"))
    return 2;
  if (full) scale = 1;
  return run([scale, steady] {
    tour::Log log(steady);
    APIConnection api(scale);
    sync::WaitGroup wg;
    for (int i = 0; i < 10; i++) {
      wg.go([&] {
        if (Error err = api.read_file(context::background())) {
          log.printf("cannot ReadFile: %s", err.message().c_str());
          return;
        }
        log.printf("ReadFile");
      });
    }
    for (int i = 0; i < 10; i++) {
      wg.go([&] {
        if (Error err = api.resolve_address(context::background())) {
          log.printf("cannot ResolveAddress: %s", err.message().c_str());
          return;
        }
        log.printf("ResolveAddress");
      });
    }
    wg.wait();
    log.printf("Done.");
  });
}
