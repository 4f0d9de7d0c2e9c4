// RATE: what rate::Limiter costs, against golang.org/x/time/rate itself (its
// BenchmarkAllowN and BenchmarkWaitNNoDelay). Figures: ns per allow_n on a limiter
// that refuses (one goroutine, then two at P=2 on the same limiter), ns per wait
// that never has to wait.
#include <cstdio>
#include <cstdlib>

#include "bench_util.hpp"
#include "gocxx/gocxx.hpp"

using namespace gocxx;
using namespace std::chrono_literals;

namespace {

constexpr int kAllows = 4'000'000;
constexpr int kWaits = 2'000'000;

double allow_ns(int goroutines) {
  runtime::gomaxprocs(goroutines);
  double ns = 0;
  run([&] {
    rate::Limiter lim(rate::every(1s), 1);
    time::Time now = time::now();
    int each = kAllows / goroutines;
    auto t0 = bench::Clock::now();
    sync::WaitGroup wg;
    for (int g = 0; g < goroutines; ++g) {
      wg.go([&] {
        int allowed = 0;
        for (int i = 0; i < each; ++i) allowed += lim.allow_n(now, 1) ? 1 : 0;
        if (allowed > 1) std::abort();
      });
    }
    wg.wait();
    ns = bench::seconds_since(t0) * 1e9 / (each * goroutines);
  });
  return ns;
}

double wait_ns() {
  runtime::gomaxprocs(1);
  double ns = 0;
  run([&] {
    rate::Limiter lim(kWaits, kWaits);
    context::Context ctx = context::background();
    auto t0 = bench::Clock::now();
    for (int i = 0; i < kWaits; ++i) {
      if (lim.wait(ctx)) std::abort();
    }
    ns = bench::seconds_since(t0) * 1e9 / kWaits;
  });
  return ns;
}

}  // namespace

int main() {
  bench::result("RATE_allow_P1", allow_ns(1), "ns");
  bench::result("RATE_allow_P2", allow_ns(2), "ns");
  bench::result("RATE_wait_nodelay_P1", wait_ns(), "ns");
}
