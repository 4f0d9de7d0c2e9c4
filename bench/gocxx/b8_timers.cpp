// B8: 100,000 goroutines each sleep a seeded random 1-100 ms (splitmix64, seed
// 42, drawn in order by main while spawning); main waits. P=2.
// Figures: wall ms from just before the first spawn until wg.wait() returns
// (ideal ~100), and the process CPU seconds (user + sys) over the same interval.
#include <chrono>

#include "bench_util.hpp"
#include "gocxx/gocxx.hpp"

using namespace gocxx;

int main() {
  constexpr int kN = 100'000;
  runtime::gomaxprocs(2);
  double wall = 0;
  double cpu = 0;
  run([&] {
    bench::SplitMix64 rng(42);
    sync::WaitGroup wg;
    wg.add(kN);
    const double cpu0 = bench::cpu_seconds();
    const auto t0 = bench::Clock::now();
    for (int i = 0; i < kN; ++i) {
      const auto ms = static_cast<int>(1 + rng.next() % 100);
      go([&wg, ms] {
        time::sleep(std::chrono::milliseconds(ms));
        wg.done();
      });
    }
    wg.wait();
    wall = bench::seconds_since(t0);
    cpu = bench::cpu_seconds() - cpu0;
  });
  bench::result("B8_timers_wall", wall * 1e3, "ms");
  bench::result("B8_timers_cpu", cpu, "s");
}
