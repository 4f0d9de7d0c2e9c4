// Shared helpers for the Boost.Fiber versions of the gocxx benchmarks.
//
// Boost.Fiber has no GOMAXPROCS: a "processor" is an OS thread that runs a
// fiber scheduler. P=1 is the default round_robin scheduler on the main thread.
// P>1 is the work_stealing algorithm installed on the main thread plus P-1
// helper threads (see StealingPool).
#pragma once

#include <boost/fiber/algo/work_stealing.hpp>
#include <boost/fiber/all.hpp>

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

namespace bench {

namespace fibers = boost::fibers;
using Clock = std::chrono::steady_clock;

inline double elapsed_ns(Clock::time_point start) {
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count();
}

inline void result(const char* name, double value, const char* unit) {
  std::printf("RESULT name=%s value=%.3f unit=%s\n", name, value, unit);
  std::fflush(stdout);
}

[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "check failed: %s\n", what);
  std::exit(1);
}

// VmRSS of this process in kB (KiB), from /proc/self/status.
inline long rss_kib() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) fail("open /proc/self/status");
  char line[256];
  long kib = -1;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::strncmp(line, "VmRSS:", 6) == 0) {
      kib = std::strtol(line + 6, nullptr, 10);
      break;
    }
  }
  std::fclose(f);
  if (kib < 0) fail("no VmRSS in /proc/self/status");
  return kib;
}

// Process CPU time (user + system, all threads) so far, in seconds.
inline double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

// splitmix64, the seeded generator the benchmarks share with their gocxx and Go
// twins (same seed, same sequence).
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

// Go's sync.WaitGroup for fibers, built like Go's: one atomic word holds the
// counter (high 32 bits) and the number of waiters (low 32 bits), so add() and
// done() cost one atomic op unless the counter reaches zero while someone
// waits; only then is the fiber mutex taken to wake the waiters.
// A waiter registers itself (CAS on the word) while holding the mutex, so the
// wake-up cannot slip in between registering and sleeping, and it returns only
// after the waker has released the mutex: the WaitGroup may be destroyed as
// soon as wait() returns.
class WaitGroup {
 public:
  void add(int n) {
    const std::uint64_t delta = static_cast<std::uint64_t>(static_cast<std::int64_t>(n)) << 32;
    const std::uint64_t s = state_.fetch_add(delta, std::memory_order_acq_rel) + delta;
    if ((s >> 32) != 0 || static_cast<std::uint32_t>(s) == 0) return;
    // Counter reached zero with waiters registered: wake them all.
    std::lock_guard<fibers::mutex> lk(mtx_);
    state_.store(0, std::memory_order_relaxed);
    ++generation_;
    cv_.notify_all();
  }

  void done() { add(-1); }

  void wait() {
    if ((state_.load(std::memory_order_acquire) >> 32) == 0) return;
    std::unique_lock<fibers::mutex> lk(mtx_);
    std::uint64_t s = state_.load(std::memory_order_acquire);
    do {
      if ((s >> 32) == 0) return;
    } while (!state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel));
    const std::uint64_t gen = generation_;
    cv_.wait(lk, [&] { return generation_ != gen; });
  }

 private:
  std::atomic<std::uint64_t> state_{0};
  fibers::mutex mtx_;
  fibers::condition_variable cv_;
  std::uint64_t generation_ = 0;  // guarded by mtx_
};

// P worker threads sharing fibers through boost::fibers::algo::work_stealing:
// the calling (main) thread plus P-1 helper threads. While the pool lives,
// fibers launched from the main thread may run on any of the P threads.
//
// Boost 1.74 restrictions that shape this class:
//  * work_stealing keeps its scheduler table in statics and its constructor
//    waits on a static barrier for `P` threads, so it can be set up only ONCE
//    per process, and the helpers must be started before the main thread
//    installs it (the main thread's constructor call waits for them).
//    A program that measures several P=2 parts keeps one pool for all of them.
//  * The main fiber is pinned to the main thread; only other fibers migrate.
//  * A thread can steal only from the head of another thread's ready queue,
//    and a pinned context (a thread's main fiber or its dispatcher fiber) at
//    the head blocks stealing from that queue.
//  * Idle threads sleep on a condition variable (suspend=true) instead of
//    spinning (suspend=false, Boost's default). A sleeping thread is woken
//    only when a fiber it owns is made ready by another thread, not when
//    stealable work appears elsewhere, so with suspend=true the helper thread
//    is mostly idle and P=2 runs close to single-threaded. With spinning, both
//    threads really share the work, but on the 2-core test VM the P=2 figures
//    got far worse (B1 P=2: 2-9 us instead of ~0.2 us per hand-off, with
//    multi-millisecond stalls; B4 1p1c: ~0.5-1 us instead of ~45 ns per item).
//    Sleeping is the default here as Boost.Fiber's better configuration on
//    that machine; set FIBER_WS_SPIN=1 in the environment to measure the
//    spinning variant.
class StealingPool {
 public:
  explicit StealingPool(unsigned threads) {
    const bool suspend = std::getenv("FIBER_WS_SPIN") == nullptr;
    for (unsigned i = 1; i < threads; ++i) {
      helpers_.emplace_back([this, threads, suspend] {
        fibers::use_scheduling_algorithm<fibers::algo::work_stealing>(threads, suspend);
        // Park this thread's main fiber; the scheduler keeps running (and
        // stealing) other fibers until the pool is shut down.
        std::unique_lock<std::mutex> lk(mtx_);
        cv_.wait(lk, [this] { return done_; });
      });
    }
    fibers::use_scheduling_algorithm<fibers::algo::work_stealing>(threads, suspend);
  }

  StealingPool(const StealingPool&) = delete;
  StealingPool& operator=(const StealingPool&) = delete;

  // All fibers must have finished (or be about to) when the pool goes away.
  ~StealingPool() {
    {
      std::lock_guard<std::mutex> lk(mtx_);
      done_ = true;
    }
    cv_.notify_all();
    for (auto& t : helpers_) t.join();
  }

 private:
  std::mutex mtx_;
  fibers::condition_variable_any cv_;
  bool done_ = false;
  std::vector<std::thread> helpers_;
};

}  // namespace bench
