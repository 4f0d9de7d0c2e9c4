// E78 rate-limited-api: one token bucket (1 token a second, depth 1) shared by
// an API's two calls, ReadFile and ResolveAddress. Twenty goroutines call them
// at once, ten each: the limiter lets one call through a second, so the twenty
// log lines come a second apart and the program takes about 19 s.
//
// Time is scaled down a hundredfold (100 calls a second; about 190 ms in all);
// --full runs the tutorial's rate, --scale N divides its times by N. Each line is
// log's `HH:MM:SS message` (UTC); --steady prints the time since the start instead.
// Ported with the tutorial's bug fixed: a failed call returns after logging its
// error instead of also logging success.
#include <chrono>
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour_flags.hpp"
#include "tour_log.hpp"

using namespace gocxx;

namespace {

class APIConnection {
 public:
  explicit APIConnection(long scale) : limiter_(static_cast<double>(scale), 1) {}

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
  rate::Limiter limiter_;  // one call a second, one at a time
};

}  // namespace

int main(int argc, char** argv) {
  bool full = false;
  bool steady = false;
  long scale = 100;
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
