// B3 skynet (Boost.Fiber): a tree of 1,000,000 leaves, 10 children per node.
// Each node makes ONE buffered channel (capacity 16, i.e. room for 15 values:
// Boost's ring buffer keeps one slot free), its children push into it, and it
// pushes the sum of the 10 values up. Figure: total ms, P=1 and P=2.
//
// Like Boost's own skynet benchmarks (libs/fiber/performance/fiber/skynet_*),
// children are launched with launch::dispatch (the child runs at once, the
// parent is queued) and get small stacks: 16 KiB here (Boost's default is
// 128 KiB). With launch::post the FIFO round_robin scheduler builds the tree
// breadth-first: ~1M fibers are alive at once (~10 GB RSS, ~15 s at P=1 on the
// 2-core test VM, nearly all of it first-touch page faults), which would
// measure the page allocator rather than the fiber library.
#include "common.hpp"

#include <cstdint>

namespace {

using Channel = bench::fibers::buffered_channel<std::int64_t>;
using Stack = bench::fibers::fixedsize_stack;

constexpr std::int64_t kLeaves = 1'000'000;
constexpr std::int64_t kDiv = 10;
constexpr std::int64_t kWant = 499999500000;
constexpr std::size_t kStackSize = 16 * 1024;

void skynet(Channel& c, std::int64_t num, std::int64_t size, std::int64_t div) {
  if (size == 1) {
    c.push(num);
    return;
  }
  Channel rc(16);
  size /= div;
  for (std::int64_t i = 0; i < div; ++i) {
    bench::fibers::fiber(bench::fibers::launch::dispatch, std::allocator_arg, Stack(kStackSize),
                         skynet, std::ref(rc), num + i * size, size, div)
        .detach();
  }
  std::int64_t sum = 0;
  for (std::int64_t i = 0; i < div; ++i) sum += rc.value_pop();
  c.push(sum);
}

void run(const char* name) {
  const auto start = bench::Clock::now();
  Channel c(2);
  bench::fibers::fiber(std::allocator_arg, Stack(kStackSize), skynet, std::ref(c), 0, kLeaves, kDiv)
      .detach();
  const std::int64_t sum = c.value_pop();
  const double ns = bench::elapsed_ns(start);
  if (sum != kWant) {
    std::fprintf(stderr, "B3: sum %lld, want %lld\n", static_cast<long long>(sum),
                 static_cast<long long>(kWant));
    std::exit(1);
  }
  bench::result(name, ns / 1e6, "ms");
}

}  // namespace

int main() {
  run("B3_skynet_P1");
  bench::StealingPool pool(2);  // once per process, so P=2 comes last
  run("B3_skynet_P2");
}
