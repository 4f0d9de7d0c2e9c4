// B8 timers (Boost.Fiber), P=2: 100,000 fibers each sleep a seeded random
// 1-100 ms (splitmix64, seed 42, drawn in order by main while launching) with
// boost::this_fiber::sleep_for; main waits.
// Figures: wall ms from just before the first launch until wg.wait() returns
// (ideal ~100), and the process CPU seconds (user + sys) over the same interval.
//
// Fibers get 16 KiB stacks (fixedsize_stack, malloc), as in B2, B3 and B7.
// A sleeping fiber sits in the sleep queue of the thread it ran on; an idle
// thread (suspend=true, see StealingPool) sleeps until its earliest deadline.
#include "common.hpp"

namespace {
constexpr int kFibers = 100'000;
constexpr std::size_t kStackSize = 16 * 1024;
}  // namespace

int main() {
  bench::StealingPool pool(2);
  bench::WaitGroup wg;
  bench::fibers::fixedsize_stack stack(kStackSize);
  bench::SplitMix64 rng(42);
  wg.add(kFibers);
  const double cpu0 = bench::cpu_seconds();
  const auto start = bench::Clock::now();
  for (int i = 0; i < kFibers; ++i) {
    const auto ms = static_cast<int>(1 + rng.next() % 100);
    bench::fibers::fiber(std::allocator_arg, stack, [&wg, ms] {
      boost::this_fiber::sleep_for(std::chrono::milliseconds(ms));
      wg.done();
    }).detach();
  }
  wg.wait();
  const double wall_ns = bench::elapsed_ns(start);
  const double cpu = bench::cpu_seconds() - cpu0;
  bench::result("B8_timers_wall", wall_ns / 1e6, "ms");
  bench::result("B8_timers_cpu", cpu, "s");
}
