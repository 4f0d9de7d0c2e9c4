// E56 goroutine-leak-rand-stream: a producer that sends for ever and is never told
// to stop. Main takes three values and returns; the producer stays blocked on its
// next send until the process exits, so "newRandStream closure exited." is never
// printed:
//   3 random ints:
//   1: <int>
//   2: <int>
//   3: <int>
#include <cstdio>
#include <random>

#include "gocxx/gocxx.hpp"

using namespace gocxx;

namespace {

RecvChan<int> new_rand_stream() {
  Chan<int> rand_stream = make_chan<int>();
  go([rand_stream] {
    std::mt19937 rng(std::random_device{}());
    std::uniform_int_distribution<int> dist(0, 1 << 30);
    for (;;) rand_stream.send(dist(rng));
    // Never reached: the loop has no way out.
  });
  return rand_stream;
}

}  // namespace

int main() {
  return run([] {
    RecvChan<int> rand_stream = new_rand_stream();
    std::printf("3 random ints:\n");
    for (int i = 1; i <= 3; i++) std::printf("%d: %d\n", i, *rand_stream.recv());
  });
}
