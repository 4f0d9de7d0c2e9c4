// Stack scavenging: pooled stacks give back the pages their goroutines touched once
// they have sat unused for a while, so the resident size follows the live
// goroutines. A soak of bursts of deep goroutines: after each burst the resident
// size returns near the baseline, and does not ratchet up from burst to burst.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "runtime/sanitizers.hpp"
#include "runtime/stack.hpp"
#include "test_util.hpp"

using namespace gocxx;
using namespace std::chrono_literals;

namespace {

long resident_bytes() {
  long pages_total = 0;
  long pages_resident = 0;
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return -1;
  int n = std::fscanf(f, "%ld %ld", &pages_total, &pages_resident);
  std::fclose(f);
  return n == 2 ? pages_resident * sysconf(_SC_PAGESIZE) : -1;
}

constexpr std::size_t kDepth = 192 * 1024;  // of a 256 KiB stack
constexpr int kGoroutines = 1000;           // ~190 MiB of stack pages per burst
constexpr long kMiB = 1024 * 1024;

// Touches every page of a kDepth-byte frame, then waits with the stack that deep.
__attribute__((noinline)) void deep_then_wait(const RecvChan<Unit>& release,
                                              std::atomic<int>& touched) {
  char frame[kDepth];
  asm volatile("" : : "r"(frame) : "memory");  // the whole array must exist in the frame
  for (std::size_t i = 0; i < kDepth; i += 4096) static_cast<volatile char*>(frame)[i] = 1;
  touched++;
  release.recv();
  asm volatile("" : : "r"(frame) : "memory");
}

// kGoroutines goroutines, all deep at once; returns the resident size at the peak.
long burst() {
  auto release = make_chan<>();
  std::atomic<int> touched{0};
  sync::WaitGroup wg;
  for (int i = 0; i < kGoroutines; i++) wg.go([&] { deep_then_wait(release, touched); });
  EXPECT_TRUE(gocxx::testing::eventually([&] { return touched.load() == kGoroutines; }));
  long peak = resident_bytes();
  release.close();
  wg.wait();
  return peak;
}

// Waits (a bounded poll on a timer-driven event) until the resident size is at most
// limit; returns the last reading.
long settle_below(long limit, std::chrono::seconds budget) {
  auto end = std::chrono::steady_clock::now() + budget;
  long rss = resident_bytes();
  while (rss > limit && std::chrono::steady_clock::now() < end) {
    time::sleep(50ms);
    rss = resident_bytes();
  }
  return rss;
}

}  // namespace

// Runs in the test binary's process: whatever earlier tests left in the pools is
// scavenged while the baseline settles, so the comparison holds all the same.
TEST(StackScavenge, ResidentSizeReturnsNearItsBaselineAfterBurstsOfDeepGoroutines) {
  if (rt::kUnderSanitizer) GTEST_SKIP() << "sanitizer shadow memory follows the stacks' pages";
  gocxx::testing::run_with_procs(2, [] {
    // Warm-up: the runtime's threads, the pool's bookkeeping, the test's own heap.
    burst();
    long baseline = settle_below(0, 4s);  // whatever it settles to within 4 s
    std::uint64_t scavenged_before = rt::stack_stats().scavenged;
    std::vector<long> after;
    for (int round = 0; round < 3; round++) {
      auto start = std::chrono::steady_clock::now();
      long peak = burst();
      EXPECT_GT(peak, baseline + 100 * kMiB)
          << "round " << round << ": the burst touched its pages";
      // Near the baseline: within 8 MiB plus 2% of what the burst touched.
      long limit = baseline + 8 * kMiB + (peak - baseline) / 50;
      long settled = settle_below(limit, 15s);
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::printf("round %d: baseline %.1f MiB, peak %.1f MiB, settled %.1f MiB after %.1f s\n",
                  round, static_cast<double>(baseline) / kMiB, static_cast<double>(peak) / kMiB,
                  static_cast<double>(settled) / kMiB, secs);
      EXPECT_LE(settled, limit) << "round " << round;
      after.push_back(settled);
    }
    // No ratchet: the third burst leaves no more behind than the first.
    EXPECT_LE(after[2], after[0] + 4 * kMiB);
    EXPECT_GE(rt::stack_stats().scavenged - scavenged_before,
              static_cast<std::uint64_t>(3 * kGoroutines * 9 / 10));
  });
}

TEST(StackScavenge, TheScavengerGoesQuietOnceEveryStackIsClean) {
  GOCXX_IN_FRESH_PROCESS({
    gocxx::testing::run_with_procs(2, [] {
      sync::WaitGroup wg;
      for (int i = 0; i < 100; i++) wg.go([] { runtime::gosched(); });
      wg.wait();
      // Within a few periods every stack is clean and no pass is armed; then the
      // pass count stops moving (an idle process is not woken every second).
      std::uint64_t passes = 0;
      bool quiet = false;
      auto end = std::chrono::steady_clock::now() + 20s;
      while (!quiet && std::chrono::steady_clock::now() < end) {
        passes = rt::stack_stats().scavenge_passes;
        time::sleep(2500ms);
        quiet = rt::stack_stats().scavenge_passes == passes;
      }
      EXPECT_TRUE(quiet) << passes << " passes and counting";
      EXPECT_GE(passes, 1u);
    });
  });
}
