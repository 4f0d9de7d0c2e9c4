// B4: a buffered channel of capacity 128 carrying 10,000,000 ints, 1 producer and 1
// consumer, then 4 producers and 4 consumers. P=2. ns per item.
#include <atomic>
#include <cstdlib>

#include "bench_util.hpp"
#include "gocxx/gocxx.hpp"

using namespace gocxx;

static double transfer(int producers, int consumers, long items) {
  double elapsed = 0;
  run([&] {
    auto ch = make_chan<long>(128);
    std::atomic<long> sum{0};
    sync::WaitGroup prod;
    sync::WaitGroup cons;
    auto t0 = bench::Clock::now();
    for (int c = 0; c < consumers; ++c) {
      cons.go([&] {
        long local = 0;
        for (long v : ch) local += v;
        sum += local;
      });
    }
    long per = items / producers;
    for (int p = 0; p < producers; ++p) {
      prod.go([&, p] {
        for (long i = p * per; i < (p + 1) * per; ++i) ch.send(i);
      });
    }
    prod.wait();
    ch.close();
    cons.wait();
    elapsed = bench::seconds_since(t0);
    if (sum.load() != items * (items - 1) / 2) std::abort();
  });
  return elapsed * 1e9 / static_cast<double>(items);
}

int main() {
  constexpr long kItems = 10'000'000;
  runtime::gomaxprocs(2);
  bench::result("B4_buffered_1p1c_P2", transfer(1, 1, kItems), "ns");
  bench::result("B4_buffered_4p4c_P2", transfer(4, 4, kItems), "ns");
}
