// B1: two goroutines bounce a value over two unbuffered channels; ns per one-way
// hand-off at P=1 and P=2.
#include <cstdlib>

#include "bench_util.hpp"
#include "gocxx/gocxx.hpp"

using namespace gocxx;

static double pingpong(int procs, int round_trips) {
  runtime::gomaxprocs(procs);
  double elapsed = 0;
  run([&] {
    auto a = make_chan<int>();
    auto b = make_chan<int>();
    go([a, b] {
      for (int v : a) b.send(v + 1);
    });
    a.send(0);  // both goroutines running before the clock starts
    b.recv();
    auto t0 = bench::Clock::now();
    int x = 0;
    for (int i = 0; i < round_trips; ++i) {
      a.send(x);
      x = *b.recv();
    }
    elapsed = bench::seconds_since(t0);
    a.close();
    if (x != round_trips) std::abort();
  });
  return elapsed * 1e9 / (2.0 * round_trips);
}

int main() {
  constexpr int kRoundTrips = 1'000'000;
  bench::result("B1_pingpong_P1", pingpong(1, kRoundTrips), "ns");
  bench::result("B1_pingpong_P2", pingpong(2, kRoundTrips), "ns");
}
