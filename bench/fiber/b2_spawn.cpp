// B2 spawn (Boost.Fiber), P=2: launch 1,000,000 fibers that each call
// wg.done(); main waits. Figure: ns per fiber (spawn + run + exit).
//
// Fibers get 16 KiB stacks (fixedsize_stack, malloc), as in B3 and B7; Boost's
// default is 128 KiB. Note that the spawning loop never blocks, and Boost's
// work_stealing cannot steal from a queue whose head is a pinned context (the
// main thread's dispatcher fiber is queued there while main runs), so all
// 1,000,000 fibers exist at once before they run; their first-touched stack
// pages (~9 KiB each) dominate the figure.
#include "common.hpp"

namespace {
constexpr int kFibers = 1'000'000;
constexpr std::size_t kStackSize = 16 * 1024;
}  // namespace

int main() {
  bench::StealingPool pool(2);
  bench::WaitGroup wg;
  bench::fibers::fixedsize_stack stack(kStackSize);
  const auto start = bench::Clock::now();
  for (int i = 0; i < kFibers; ++i) {
    wg.add(1);
    bench::fibers::fiber(std::allocator_arg, stack, [&wg] { wg.done(); }).detach();
  }
  wg.wait();
  bench::result("B2_spawn_P2", bench::elapsed_ns(start) / kFibers, "ns");
}
