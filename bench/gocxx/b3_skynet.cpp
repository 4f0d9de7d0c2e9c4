// B3: skynet. A tree of 1,000,000 leaf goroutines, 10 children per node; every
// node sums its children's answers from one channel. P=1 and P=2.
#include <cstdio>
#include <cstdlib>

#include "bench_util.hpp"
#include "gocxx/gocxx.hpp"

using namespace gocxx;

static void skynet(SendChan<long> out, long num, long size, long div) {
  if (size == 1) {
    out.send(num);
    return;
  }
  auto sums = make_chan<long>(div);
  long child = size / div;
  for (long i = 0; i < div; ++i) go(skynet, sums, num + i * child, child, div);
  long total = 0;
  for (long i = 0; i < div; ++i) total += *sums.recv();
  out.send(total);
}

static double run_skynet(int procs) {
  runtime::gomaxprocs(procs);
  double ms = 0;
  run([&] {
    auto out = make_chan<long>(1);
    auto t0 = bench::Clock::now();
    go(skynet, out, 0L, 1'000'000L, 10L);
    long sum = *out.recv();
    ms = bench::seconds_since(t0) * 1e3;
    if (sum != 499999500000L) {
      std::fprintf(stderr, "skynet: wrong sum %ld\n", sum);
      std::exit(1);
    }
  });
  return ms;
}

int main() {
  bench::result("B3_skynet_P1", run_skynet(1), "ms");
  bench::result("B3_skynet_P2", run_skynet(2), "ms");
}
