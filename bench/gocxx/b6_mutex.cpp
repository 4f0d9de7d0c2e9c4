// B6: sync::Mutex. Uncontended: one goroutine, lock/unlock 20,000,000 times, ns per
// lock/unlock pair; next to it, B6_atomic_xchg_pair (gocxx-only baseline): the same
// loop with a bare atomic exchange to 1 and an exchange back to 0, the cheapest a
// lock whose unlock must see waiters can be (the uncontended mutex should stay
// within 1.2x of it). Contended: 4 goroutines doing 2,500,000 lock/increment/unlock
// each on one mutex, ns per lock (elapsed / 10,000,000). P=2 throughout.
#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "bench_util.hpp"
#include "gocxx/gocxx.hpp"

using namespace gocxx;

namespace {

constexpr long kUncontended = 20'000'000;
constexpr int kWorkers = 4;
constexpr long kPerWorker = 2'500'000;

// Each on its own cache line, as a mutex guarding real data would be.
struct alignas(64) Guarded {
  sync::Mutex mu;
  long counter = 0;
};

double uncontended_mutex() {
  double elapsed = 0;
  run([&] {
    Guarded g;
    auto t0 = bench::Clock::now();
    for (long i = 0; i < kUncontended; ++i) {
      g.mu.lock();
      g.mu.unlock();
    }
    elapsed = bench::seconds_since(t0);
  });
  return elapsed * 1e9 / static_cast<double>(kUncontended);
}

double atomic_xchg_pair() {
  double elapsed = 0;
  run([&] {
    alignas(64) std::atomic<int> word{0};
    int seen = 0;
    auto t0 = bench::Clock::now();
    for (long i = 0; i < kUncontended; ++i) {
      seen |= word.exchange(1, std::memory_order_acquire);
      seen |= word.exchange(0, std::memory_order_release) ^ 1;
    }
    elapsed = bench::seconds_since(t0);
    if (seen != 0) std::abort();
  });
  return elapsed * 1e9 / static_cast<double>(kUncontended);
}

double contended_mutex() {
  double elapsed = 0;
  run([&] {
    Guarded g;
    sync::WaitGroup wg;
    auto t0 = bench::Clock::now();
    for (int w = 0; w < kWorkers; ++w) {
      wg.go([&g] {
        for (long i = 0; i < kPerWorker; ++i) {
          g.mu.lock();
          ++g.counter;
          g.mu.unlock();
        }
      });
    }
    wg.wait();
    elapsed = bench::seconds_since(t0);
    g.mu.lock();
    const long got = g.counter;
    g.mu.unlock();
    if (got != kWorkers * kPerWorker) {
      std::fprintf(stderr, "B6 contended: counter %ld, want %ld\n", got, kWorkers * kPerWorker);
      std::exit(1);
    }
  });
  return elapsed * 1e9 / static_cast<double>(kWorkers * kPerWorker);
}

}  // namespace

int main() {
  runtime::gomaxprocs(2);
  bench::result("B6_mutex_uncontended", uncontended_mutex(), "ns");
  bench::result("B6_atomic_xchg_pair", atomic_xchg_pair(), "ns");
  bench::result("B6_mutex_contended_P2", contended_mutex(), "ns");
}
