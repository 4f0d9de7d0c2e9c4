// E57 goroutine-cancel-rand-stream: the producer selects between sending and done;
// main closes done after three values and waits for it to end:
//   3 random ints:
//   1: <int>
//   2: <int>
//   3: <int>
//   newRandStream closure exited.
#include <cstdio>
#include <random>

#include "gocxx/gocxx.hpp"

using namespace gocxx;

namespace {

RecvChan<int> new_rand_stream(sync::WaitGroup& wg, RecvChan<> done) {
  Chan<int> rand_stream = make_chan<int>();
  go([&wg, done, rand_stream] {
    std::mt19937 rng(std::random_device{}());
    std::uniform_int_distribution<int> dist(0, 1 << 30);
    while (select(send(rand_stream, dist(rng)), recv(done)) == 0) {
    }
    rand_stream.close();
    std::printf("newRandStream closure exited.\n");
    wg.done();
  });
  return rand_stream;
}

}  // namespace

int main() {
  return run([] {
    sync::WaitGroup wg;
    wg.add(1);
    Chan<> done = make_chan<>();
    RecvChan<int> rand_stream = new_rand_stream(wg, done);
    std::printf("3 random ints:\n");
    for (int i = 1; i <= 3; i++) std::printf("%d: %d\n", i, *rand_stream.recv());
    done.close();
    wg.wait();
  });
}
