// B2: spawn 1,000,000 goroutines that each call wg.done(); main waits. P=2.
#include "bench_util.hpp"
#include "gocxx/gocxx.hpp"

using namespace gocxx;

int main() {
  constexpr int kN = 1'000'000;
  runtime::gomaxprocs(2);
  double elapsed = 0;
  run([&] {
    sync::WaitGroup wg;
    auto t0 = bench::Clock::now();
    for (int i = 0; i < kN; ++i) {
      wg.add(1);
      go([&wg] { wg.done(); });
    }
    wg.wait();
    elapsed = bench::seconds_since(t0);
  });
  bench::result("B2_spawn_P2", elapsed * 1e9 / kN, "ns");
}
