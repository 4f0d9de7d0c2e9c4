// B6 mutex (Boost.Fiber), P=2 (bench::StealingPool(2)).
//   uncontended: the main fiber locks/unlocks a boost::fibers::mutex 20,000,000
//                times; ns per pair.
//   contended:   4 fibers doing 2,500,000 lock/increment/unlock each on one
//                boost::fibers::mutex; ns per lock = elapsed / 10,000,000.
// (B6_atomic_xchg_pair is a gocxx-only baseline; there is no Boost.Fiber version.)
#include "common.hpp"

namespace {

namespace fibers = bench::fibers;

constexpr long kUncontended = 20'000'000;
constexpr int kWorkers = 4;
constexpr long kPerWorker = 2'500'000;

// A mutex and the data it guards, on their own cache line(s).
struct alignas(64) Guarded {
  fibers::mutex mu;
  long counter = 0;
};

double uncontended() {
  Guarded g;
  const auto start = bench::Clock::now();
  for (long i = 0; i < kUncontended; ++i) {
    g.mu.lock();
    g.mu.unlock();
  }
  return bench::elapsed_ns(start) / static_cast<double>(kUncontended);
}

double contended() {
  Guarded g;
  bench::WaitGroup wg;
  const auto start = bench::Clock::now();
  for (int w = 0; w < kWorkers; ++w) {
    wg.add(1);
    fibers::fiber([&] {
      for (long i = 0; i < kPerWorker; ++i) {
        g.mu.lock();
        ++g.counter;
        g.mu.unlock();
      }
      wg.done();
    }).detach();
  }
  wg.wait();
  const double ns = bench::elapsed_ns(start);
  g.mu.lock();
  const long got = g.counter;
  g.mu.unlock();
  if (got != kWorkers * kPerWorker) {
    std::fprintf(stderr, "B6 contended: counter %ld, want %ld\n", got, kWorkers * kPerWorker);
    std::exit(1);
  }
  return ns / static_cast<double>(kWorkers * kPerWorker);
}

}  // namespace

int main() {
  bench::StealingPool pool(2);
  bench::result("B6_mutex_uncontended", uncontended(), "ns");
  bench::result("B6_mutex_contended_P2", contended(), "ns");
}
