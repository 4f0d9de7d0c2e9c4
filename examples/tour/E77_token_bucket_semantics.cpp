// E77 token-bucket-semantics: a token bucket of depth 5 refilled at 0.5 tokens a
// second. The five requests at t = 0 take the five tokens and pass at once; a
// request issued at t = 1 s finds the bucket empty and waits for the next token,
// which comes at t = 2 s. Then the helpers: rate::every(500ms) is 2 events a
// second, and the tutorial's Per(10, time.Minute) one every 6 s.
//
// Time is scaled down tenfold (the bucket refills ten times as fast, the second
// request comes after 100 ms); --full runs the tutorial's times, --scale N divides
// them by N. The times printed are in the tutorial's units, to 10 ms.
#include <chrono>
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour_flags.hpp"

using namespace std::chrono_literals;
using namespace gocxx;

int main(int argc, char** argv) {
  bool full = false;
  long scale = 10;
  if (!tour::parse_flags(argc, argv, {{"--full", nullptr, &full}, {"--scale", &scale}},
                         "[--full | --scale N]"))
    return 2;
  if (full) scale = 1;
  return run([scale] {
    rate::Limiter limiter(0.5 * static_cast<double>(scale), 5);  // depth 5, 0.5 tokens/s
    auto ctx = context::background();
    auto start = time::now();
    // When, in the tutorial's time, rounded to 10 ms.
    auto at = [&] {
      time::Duration d = time::since(start) * scale;
      return time::to_string((d + 5ms) / 10ms * 10ms);
    };

    for (int i = 1; i <= 5; i++) {
      if (Error err = limiter.wait(ctx)) std::printf("request %d: %s\n", i, err.message().c_str());
      std::printf("request %d served at %s\n", i, at().c_str());
    }
    time::sleep(time::Duration(1s) / scale);
    std::printf("request 6 issued at %s\n", at().c_str());
    if (Error err = limiter.wait(ctx)) std::printf("request 6: %s\n", err.message().c_str());
    std::printf("request 6 served at %s\n", at().c_str());

    std::printf("every(500ms) = %g events per second\n", rate::every(500ms));
    std::printf("per(10, time.Minute) = %g events per second (one every 6s)\n",
                rate::per(10, 1min));
    // WaitN for more than the bucket holds can never succeed: it fails at once.
    std::printf("wait_n(6): %s\n", limiter.wait_n(ctx, 6).message().c_str());
  });
}
