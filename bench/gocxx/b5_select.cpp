// B5: select over two ready buffered channels (select + putting the value back),
// and select with default over two empty channels. P=1. ns per iteration.
#include <cstdlib>

#include "bench_util.hpp"
#include "gocxx/gocxx.hpp"

using namespace gocxx;

int main() {
  constexpr int kIterations = 10'000'000;
  runtime::gomaxprocs(1);
  run([] {
    auto c1 = make_chan<int>(1);
    auto c2 = make_chan<int>(1);
    c1.send(1);
    c2.send(2);
    long hits[2] = {0, 0};
    auto t0 = bench::Clock::now();
    for (int i = 0; i < kIterations; ++i) {
      std::optional<int> v;
      int k = select(recv(c1, v), recv(c2, v));
      (k == 0 ? c1 : c2).send(*v);
      ++hits[k];
    }
    double ready = bench::seconds_since(t0);
    if (hits[0] == 0 || hits[1] == 0) std::abort();

    auto e1 = make_chan<int>();
    auto e2 = make_chan<int>();
    long defaults = 0;
    t0 = bench::Clock::now();
    for (int i = 0; i < kIterations; ++i) {
      defaults += select(recv(e1), recv(e2), default_case()) == 2;
    }
    double dflt = bench::seconds_since(t0);
    if (defaults != kIterations) std::abort();
    bench::result("B5_select_ready_P1", ready * 1e9 / kIterations, "ns");
    bench::result("B5_select_default_P1", dflt * 1e9 / kIterations, "ns");
  });
}
