// E65 primes-sequential: a slow stage run alone. Random ints below 50,000,000
// (repeat_fn) go through one prime finder; the first 10 primes are printed, then
// how long the search took:
//   Primes:
//   	<prime>            (ten of them)
//   Search took: <duration>
// The finder tries every divisor below n, as the book's primeFinder does (the
// tutorial leaves it and toInt undefined), so that it is slow enough for E66's
// fan-out to pay off. --bound N draws below N instead.
#include <cstdint>
#include <cstdio>
#include <random>

#include "gocxx/gocxx.hpp"
#include "tour_flags.hpp"

using namespace gocxx;

namespace {

bool is_prime_slowly(long n) {
  if (n < 2) return false;
  for (long divisor = 2; divisor < n; divisor++) {
    if (n % divisor == 0) return false;
  }
  return true;
}

RecvChan<long> prime_finder(const patterns::Done& done, RecvChan<long> ints) {
  return patterns::filter(done, ints, [](long n) { return is_prime_slowly(n); });
}

}  // namespace

int main(int argc, char** argv) {
  long bound = 50'000'000;
  if (!tour::parse_flags(argc, argv, {{"--bound", &bound}}, "[--bound N]")) return 2;
  return run([bound] {
    std::mt19937_64 rng(std::random_device{}());
    auto random_int = [&rng, bound] {
      return std::uniform_int_distribution<long>(0, bound - 1)(rng);
    };
    Chan<> done = make_chan<>();
    auto start = time::now();
    RecvChan<long> rand_int_stream = patterns::repeat_fn(done, random_int);
    std::printf("Primes:\n");
    for (long prime : patterns::take(done, prime_finder(done, rand_int_stream), 10))
      std::printf("\t%ld\n", prime);
    std::printf("Search took: %s", time::to_string(time::since(start)).c_str());
    done.close();
  });
}
