// metrics::read: Go 1.26's runtime/metrics names for the scheduler's state.
#include <algorithm>
#include <cstdint>

#include "gocxx/runtime.hpp"
#include "sched.hpp"

namespace gocxx::metrics {

std::vector<Sample> read() {
  rt::ensure_started();
  rt::Sched& s = rt::sched();
  std::int64_t running = 0, runnable = 0, waiting = 0, in_syscall = 0;
  {
    rt::LockGuard guard(s.allg_lock);
    for (rt::G* g = s.allg; g != nullptr; g = g->all_link) {
      if (g->kind != rt::G::Kind::goroutine) continue;
      switch (g->status.load(std::memory_order_relaxed)) {
        case rt::GStatus::running:
          ++running;
          break;
        case rt::GStatus::runnable:
          ++runnable;
          break;
        case rt::GStatus::waiting:
          ++waiting;
          break;
        case rt::GStatus::syscall:
          ++in_syscall;
          break;
        case rt::GStatus::idle:
        case rt::GStatus::dead:
          break;
      }
    }
  }
  std::uint64_t created = s.created_no_p.load(std::memory_order_relaxed);
  std::uint64_t buckets[40] = {};
  std::uint64_t samples = 0, sum_ns = 0;
  int nallp = s.nallp.load(std::memory_order_acquire);
  for (int i = 0; i < nallp; ++i) {
    rt::P* p = s.allp[i];
    created += p->created;
    samples += p->latency_count;
    sum_ns += p->latency_sum_ns;
    for (int b = 0; b < 40; ++b) buckets[b] += p->latency_buckets[b];
  }
  double mean = samples > 0 ? static_cast<double>(sum_ns) / static_cast<double>(samples) / 1e9 : 0;
  double p99 = 0;
  if (samples > 0) {
    std::uint64_t in = 0, target = samples - samples / 100;  // the 99th percentile's rank
    for (int b = 0; b < 40; ++b) {
      in += buckets[b];
      if (in >= target) {
        p99 = static_cast<double>(b == 0 ? 0 : (std::uint64_t{1} << b)) / 1e9;  // the bucket's top
        break;
      }
    }
  }
  return {
      {"/sched/goroutines/running:goroutines", static_cast<double>(running)},
      {"/sched/goroutines/runnable:goroutines", static_cast<double>(runnable)},
      {"/sched/goroutines/waiting:goroutines", static_cast<double>(waiting)},
      {"/sched/goroutines/not-in-go:goroutines", static_cast<double>(in_syscall)},
      {"/sched/goroutines-created:goroutines", static_cast<double>(created)},
      {"/sched/threads/total:threads",
       static_cast<double>(s.mlive.load(std::memory_order_relaxed) + 1)},
      {"/sched/gomaxprocs:threads",
       static_cast<double>(s.gomaxprocs.load(std::memory_order_relaxed))},
      {"/sched/latencies:seconds", mean},
      {"/sched/latencies-p99:seconds", p99},
  };
}

}  // namespace gocxx::metrics
