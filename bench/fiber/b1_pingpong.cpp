// B1 ping-pong (Boost.Fiber): two fibers bounce a value over two unbuffered
// channels, 1,000,000 round trips. Figure: ns per one-way hand-off =
// elapsed / (2 * rounds), for P=1 (round_robin) and P=2 (work_stealing).
#include "common.hpp"

namespace {

constexpr int kRounds = 1'000'000;

double pingpong() {
  bench::fibers::unbuffered_channel<int> a, b;
  bench::fibers::fiber partner([&] {
    b.push(-1);  // "started": main starts the clock once it has this
    int v;
    while (a.pop(v) == bench::fibers::channel_op_status::success) b.push(v);
  });
  if (b.value_pop() != -1) bench::fail("B1 handshake");
  const auto start = bench::Clock::now();
  for (int i = 0; i < kRounds; ++i) {
    a.push(i);
    if (b.value_pop() != i) bench::fail("B1 value");
  }
  const double ns = bench::elapsed_ns(start);
  a.close();
  partner.join();
  return ns / (2.0 * kRounds);
}

}  // namespace

int main() {
  bench::result("B1_pingpong_P1", pingpong(), "ns");
  // The work-stealing pool can be created once per process, so P=2 comes last.
  bench::StealingPool pool(2);
  bench::result("B1_pingpong_P2", pingpong(), "ns");
}
