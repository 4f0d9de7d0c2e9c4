// B7 memory (Boost.Fiber), P=2: N fibers blocked receiving on one unbuffered
// channel. Figures: (VmRSS after - VmRSS before) / N in KiB per fiber, and the
// ms to close the channel and wait until all N have finished.
// N = 100,000, then 1,000,000.
//
// Fibers get 16 KiB stacks (boost::fibers::fixedsize_stack, i.e. malloc).
// protected_fixedsize_stack is not usable at this scale: it mmaps and
// mprotects every stack, and 1M stacks need far more than the default
// vm.max_map_count (65530) memory mappings.
#include "common.hpp"

#include <cmath>

namespace {

namespace fibers = bench::fibers;

struct Empty {};

constexpr std::size_t kStackSize = 16 * 1024;

// Rough resident cost of a blocked fiber, used to skip a size that cannot fit.
constexpr std::size_t kEstimatedBytesPerFiber = 12 * 1024;

long available_kib() {
  std::FILE* f = std::fopen("/proc/meminfo", "r");
  if (f == nullptr) return -1;
  char line[256];
  long kib = -1;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::sscanf(line, "MemAvailable: %ld kB", &kib) == 1) break;
  }
  std::fclose(f);
  return kib;
}

void run(long n, const char* label) {
  char mem_name[64], wake_name[64];
  std::snprintf(mem_name, sizeof mem_name, "B7_mem_%s", label);
  std::snprintf(wake_name, sizeof wake_name, "B7_wake_%s", label);

  const long avail = available_kib();
  if (avail >= 0 && static_cast<double>(n) * kEstimatedBytesPerFiber / 1024 > 0.8 * avail) {
    std::fprintf(stderr, "B7: skipping N=%ld: about %ld MiB needed, %ld MiB available\n", n,
                 static_cast<long>(n * kEstimatedBytesPerFiber >> 20), avail >> 10);
    bench::result(mem_name, NAN, "KiB");
    bench::result(wake_name, NAN, "ms");
    return;
  }

  fibers::unbuffered_channel<Empty> ch;
  bench::WaitGroup started, finished;
  fibers::fixedsize_stack stack(kStackSize);
  const long before = bench::rss_kib();
  started.add(static_cast<int>(n));
  finished.add(static_cast<int>(n));
  for (long i = 0; i < n; ++i) {
    fibers::fiber(std::allocator_arg, stack, [&] {
      started.done();
      Empty e;
      ch.pop(e);  // returns channel_op_status::closed once ch is closed
      finished.done();
    }).detach();
  }
  started.wait();
  const long after = bench::rss_kib();

  const auto start = bench::Clock::now();
  ch.close();
  finished.wait();
  const double ns = bench::elapsed_ns(start);

  bench::result(mem_name, static_cast<double>(after - before) / static_cast<double>(n), "KiB");
  bench::result(wake_name, ns / 1e6, "ms");
}

}  // namespace

int main() {
  bench::StealingPool pool(2);
  run(100'000, "100k");
  run(1'000'000, "1m");
}
