// E63 generator-repeatfn-rand: repeat_fn calls a function over and over; taking 10
// of its results prints ten random non-negative integers, one a line. (The
// tutorial names its function `rand`, shadowing package math/rand; here it is
// random_int.)
#include <cstdio>
#include <random>

#include "gocxx/gocxx.hpp"

using namespace gocxx;

int main() {
  return run([] {
    Chan<> done = make_chan<>();
    std::mt19937 rng(std::random_device{}());
    auto random_int = [&rng] { return std::uniform_int_distribution<int>(0, 1 << 30)(rng); };
    for (int num : patterns::take(done, patterns::repeat_fn(done, random_int), 10))
      std::printf("%d\n", num);
    done.close();
  });
}
