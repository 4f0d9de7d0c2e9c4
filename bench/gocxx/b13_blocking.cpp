// B13: the cost of a blocking call that returns at once: gocxx::blocking around an
// empty function, 20,000,000 times on one goroutine, ns per call. Go's twin calls
// an empty C function through cgo, whose overhead is Go's entersyscall/exitsyscall
// pair (the same hand-off protocol). P=1.
#include <cstdio>

#include "bench_util.hpp"
#include "gocxx/gocxx.hpp"

using namespace gocxx;

namespace {
constexpr long kCalls = 20'000'000;
__attribute__((noinline)) int empty_call(int x) {
  asm volatile("" ::: "memory");
  return x;
}
}  // namespace

int main() {
  runtime::gomaxprocs(1);
  double elapsed = 0;
  long sum = 0;
  run([&] {
    auto t0 = bench::Clock::now();
    for (long i = 0; i < kCalls; ++i) sum += blocking(empty_call, 1);
    elapsed = bench::seconds_since(t0);
  });
  if (sum != kCalls) return 1;
  bench::result("B13_blocking_call_P1", elapsed * 1e9 / kCalls, "ns");
  return 0;
}
