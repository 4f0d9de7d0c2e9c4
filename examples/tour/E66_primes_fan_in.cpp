// E66 primes-fan-in: E65's slow stage fanned out. runtime::num_cpu() prime finders
// read the same stream of random ints (patterns::fan_out), and fan_in merges what
// they find; the first 10 primes are printed (in whatever order the finders find
// them), then how long it took, less than E65 with two or more CPUs:
//   Primes:
//   	<prime>            (ten of them)
//   Search took: <duration>
// --bound N draws below N instead of 50,000,000; --finders N starts N finders.
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
  long finders = runtime::num_cpu();
  if (!tour::parse_flags(argc, argv, {{"--bound", &bound}, {"--finders", &finders}},
                         "[--bound N] [--finders N]"))
    return 2;
  return run([bound, finders] {
    std::mt19937_64 rng(std::random_device{}());
    auto random_int = [&rng, bound] {
      return std::uniform_int_distribution<long>(0, bound - 1)(rng);
    };
    Chan<> done = make_chan<>();
    auto start = time::now();
    RecvChan<long> rand_int_stream = patterns::repeat_fn(done, random_int);
    auto found =
        patterns::fan_out(done, rand_int_stream, static_cast<std::size_t>(finders), prime_finder);
    std::printf("Primes:\n");
    for (long prime : patterns::take(done, patterns::fan_in(done, found), 10))
      std::printf("\t%ld\n", prime);
    std::printf("Search took: %s", time::to_string(time::since(start)).c_str());
    done.close();
  });
}
