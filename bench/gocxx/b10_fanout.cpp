// B10: the tutorial's fan-out prime finder, built from the patterns library: a
// repeat_fn of random ints below 50,000,000 (splitmix64, seed 1), prime finders
// (trial division by d in [2, sqrt(n)]) reading that one stream, merged by fan_in,
// the first 10,000 primes taken. One finder, then runtime::num_cpu() finders.
// Figures: ms each, and the speed-up. The one-finder run checks the primes' sum;
// with several finders the first 10,000 found may be a slightly different set.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "gocxx/gocxx.hpp"

using namespace gocxx;

namespace {

constexpr int kPrimes = 10'000;
constexpr std::int64_t kBound = 50'000'000;
constexpr std::int64_t kSumOneFinder = 242'801'809'722;

bool is_prime(std::int64_t n) {
  if (n < 2) return false;
  for (std::int64_t d = 2; d * d <= n; ++d) {
    if (n % d == 0) return false;
  }
  return true;
}

double find_primes(int finders) {
  double ms = 0;
  run([&] {
    auto t0 = bench::Clock::now();
    Chan<> done = make_chan<>();
    bench::SplitMix64 rng(1);
    auto rand_ints = patterns::repeat_fn(
        done, [&rng] { return static_cast<std::int64_t>(rng.next() % kBound); });
    std::vector<RecvChan<std::int64_t>> found;
    for (int i = 0; i < finders; ++i) found.push_back(patterns::filter(done, rand_ints, is_prime));
    std::int64_t sum = 0;
    int count = 0;
    for (std::int64_t p : patterns::take(done, patterns::fan_in(done, found), kPrimes)) {
      sum += p;
      ++count;
    }
    done.close();
    ms = bench::seconds_since(t0) * 1e3;
    if (count != kPrimes || (finders == 1 && sum != kSumOneFinder)) {
      std::fprintf(stderr, "B10: %d primes, sum %lld\n", count, static_cast<long long>(sum));
      std::exit(1);
    }
  });
  return ms;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) {  // one phase alone, for profiling: b10_fanout FINDERS
    int finders = std::atoi(argv[1]);
    bench::result(("B10_fanout_" + std::string(argv[1])).c_str(),
                  find_primes(finders < 1 ? 1 : finders), "ms");
    return 0;
  }
  int cpus = runtime::num_cpu();
  double one = find_primes(1);
  double many = find_primes(cpus);
  bench::result("B10_fanout_1", one, "ms");
  bench::result("B10_fanout_ncpu", many, "ms");
  bench::result("B10_speedup", one / many, "x");
}
