// The CPU profiler's runtime half: per-thread CPU-time timers that deliver
// SIGPROF, the signal handler that records where each one landed, and the
// aggregation of those records into samples.
//
// As Go does on Linux since 1.18, every thread that runs goroutines (every M)
// gets its own timer on its own CPU clock (timer_create on the thread's
// pthread_getcpuclockid, SIGEV_THREAD_ID): a process-wide setitimer would hand
// the signals to whichever thread the kernel picks and under-count busy threads.
//
// The handler runs on any M at any instruction, so it only does what is
// async-signal-safe: it unwinds with libgcc's unwinder (which finds frame
// tables through glibc's lock-free _dl_find_object), takes a reference on the
// running goroutine's label set (an atomic increment; that set cannot be freed
// under it, since only its own goroutine, interrupted here, drops it), and
// publishes the record in a fixed ring. A plain thread empties the ring every
// 50 ms into a map from (stack, labels) to count; a full ring drops the sample
// and counts it lost, as Go's profBuf does.
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <unwind.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "sched.hpp"

namespace gocxx::rt {

namespace {

constexpr int kMaxDepth = 64;
constexpr std::uint64_t kRingSlots = 4096;  // a second of 40 busy threads at 100 Hz

struct Slot {
  std::atomic<std::uint64_t> seq{0};  // index + 1 once written
  int depth = 0;
  LabelSet* labels = nullptr;  // a reference the reader releases
  void* pcs[kMaxDepth];
};

struct Ring {
  std::atomic<std::uint64_t> head{0};  // next index to claim (handlers)
  std::atomic<std::uint64_t> tail{0};  // next index to read (the drainer)
  std::atomic<std::int64_t> lost{0};
  Slot slots[kRingSlots];
};

// Threads that run goroutines, and their timers while a profile runs.
struct ThreadEntry {
  pthread_t thread;
  pid_t tid;
  timer_t timer{};
  bool armed = false;
};

// The profiler's state: never destroyed, since Ms run (and register) until the
// process is gone, static destructors included.
struct Threads {
  std::mutex mu;
  std::map<const M*, ThreadEntry> entries;  // guarded by mu
  std::int64_t period_ns = 0;               // guarded by mu; 0: not profiling
};
Threads& threads() {
  static auto* t = new Threads;
  return *t;
}

std::atomic<bool> g_active{false};
std::atomic<int> g_in_handler{0};
std::atomic<Ring*> g_ring{nullptr};

struct Aggregate {
  std::map<std::string, CpuSample> samples;  // by stack and labels
};

struct Drainer {
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;  // guarded by mu
  std::thread thread;
};
Drainer& drainer() {
  static auto* d = new Drainer;
  return *d;
}
Aggregate* g_aggregate = nullptr;  // the drainer's, then stop's (under threads().mu)

struct UnwindState {
  void** pcs;
  int depth;
  int max;
  bool in_interrupted;  // past the handler's own frames
};

_Unwind_Reason_Code unwind_step(_Unwind_Context* ctx, void* arg) {
  auto* st = static_cast<UnwindState*>(arg);
  int before_insn = 0;
  auto ip = _Unwind_GetIPInfo(ctx, &before_insn);
  if (!st->in_interrupted) {
    // The interrupted function is the first frame whose pc came from the signal
    // context: an exact pc, not a return address.
    if (before_insn == 0) return _URC_NO_REASON;
    st->in_interrupted = true;
    ip += 1;  // stored like a return address: readers look up pc - 1
  }
  if (ip == 0) return _URC_END_OF_STACK;
  st->pcs[st->depth++] = reinterpret_cast<void*>(ip);
  return st->depth < st->max ? _URC_NO_REASON : _URC_END_OF_STACK;
}

}  // namespace

int signal_backtrace(void** pcs, int max) noexcept {
  UnwindState st{pcs, 0, max, false};
  _Unwind_Backtrace(unwind_step, &st);
  return st.depth;
}

void install_backtrace_handler(int sig, void (*handler)(int, siginfo_t*, void*)) noexcept {
  // Loads libgcc's unwinder now, outside any signal handler.
  UnwindState st{nullptr, 0, 0, true};
  _Unwind_Backtrace([](_Unwind_Context*, void*) { return _URC_END_OF_STACK; }, &st);
  struct sigaction sa {};
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
  sigfillset(&sa.sa_mask);
  sigaction(sig, &sa, nullptr);
}

namespace {

void on_sigprof(int, siginfo_t*, void*) {
  int saved_errno = errno;
  g_in_handler.fetch_add(1, std::memory_order_seq_cst);
  Ring* ring = g_ring.load(std::memory_order_acquire);
  if (g_active.load(std::memory_order_seq_cst) && ring != nullptr) {
    std::uint64_t h = ring->head.load(std::memory_order_relaxed);
    bool claimed = false;
    while (h - ring->tail.load(std::memory_order_acquire) < kRingSlots) {
      if (ring->head.compare_exchange_weak(h, h + 1, std::memory_order_acq_rel)) {
        claimed = true;
        break;
      }
    }
    if (!claimed) {
      ring->lost.fetch_add(1, std::memory_order_relaxed);
    } else {
      Slot& slot = ring->slots[h % kRingSlots];
      slot.depth = signal_backtrace(slot.pcs, kMaxDepth);
      M* m = current_m();
      G* g = m != nullptr ? m->curg : nullptr;
      slot.labels = g != nullptr ? labels_retain(g->labels) : nullptr;
      slot.seq.store(h + 1, std::memory_order_release);
    }
  }
  g_in_handler.fetch_sub(1, std::memory_order_seq_cst);
  errno = saved_errno;
}

// Moves every published record into the aggregate (the drainer, or stop once
// every handler has left).
void drain(Ring* ring, Aggregate* agg) {
  for (;;) {
    std::uint64_t t = ring->tail.load(std::memory_order_relaxed);
    Slot& slot = ring->slots[t % kRingSlots];
    if (slot.seq.load(std::memory_order_acquire) != t + 1) return;
    std::vector<void*> stack(slot.pcs, slot.pcs + slot.depth);
    LabelList labels;
    if (slot.labels != nullptr) {
      labels = slot.labels->list;
      labels_release(slot.labels);
      slot.labels = nullptr;
    }
    ring->tail.store(t + 1, std::memory_order_release);
    std::string key(reinterpret_cast<const char*>(stack.data()), stack.size() * sizeof(void*));
    key += '\0';
    key += labels_profile_text(labels);
    auto [it, inserted] = agg->samples.try_emplace(std::move(key));
    if (inserted) {
      it->second.stack = std::move(stack);
      it->second.labels = std::move(labels);
    }
    ++it->second.count;
  }
}

void drainer_loop(Ring* ring, Aggregate* agg) {
  Drainer& d = drainer();
  std::unique_lock<std::mutex> lock(d.mu);
  while (!d.stop) {
    d.cv.wait_for(lock, std::chrono::milliseconds(50));
    drain(ring, agg);
  }
}

bool arm(ThreadEntry& e, std::int64_t period_ns) {
  clockid_t clock;
  if (pthread_getcpuclockid(e.thread, &clock) != 0) return false;
  sigevent sev{};
  sev.sigev_notify = SIGEV_THREAD_ID;
  sev.sigev_signo = SIGPROF;
  sev._sigev_un._tid = e.tid;
  if (timer_create(clock, &sev, &e.timer) != 0) return false;
  itimerspec spec{};
  spec.it_interval.tv_sec = period_ns / 1'000'000'000;
  spec.it_interval.tv_nsec = period_ns % 1'000'000'000;
  spec.it_value = spec.it_interval;
  if (timer_settime(e.timer, 0, &spec, nullptr) != 0) {
    timer_delete(e.timer);
    return false;
  }
  e.armed = true;
  return true;
}

void disarm(ThreadEntry& e) {
  if (!e.armed) return;
  timer_delete(e.timer);
  e.armed = false;
}

}  // namespace

void cpuprof_thread_start(const M* m) noexcept {
  Threads& t = threads();
  std::lock_guard<std::mutex> lock(t.mu);
  ThreadEntry& e = t.entries[m];
  e.thread = pthread_self();
  e.tid = static_cast<pid_t>(::syscall(SYS_gettid));
  if (t.period_ns != 0) arm(e, t.period_ns);
}

void cpuprof_thread_end(const M* m) noexcept {
  Threads& t = threads();
  std::lock_guard<std::mutex> lock(t.mu);
  auto it = t.entries.find(m);
  if (it == t.entries.end()) return;
  disarm(it->second);
  t.entries.erase(it);
}

bool cpuprof_start(int hz) {
  static std::once_flag installed;
  std::call_once(installed, [] { install_backtrace_handler(SIGPROF, on_sigprof); });
  Threads& t = threads();
  std::lock_guard<std::mutex> lock(t.mu);
  if (t.period_ns != 0) return false;
  auto* ring = new Ring;
  g_aggregate = new Aggregate;
  g_ring.store(ring, std::memory_order_release);
  Drainer& d = drainer();
  {
    std::lock_guard<std::mutex> dl(d.mu);
    d.stop = false;
  }
  d.thread = std::thread(drainer_loop, ring, g_aggregate);
  g_active.store(true, std::memory_order_seq_cst);
  t.period_ns = 1'000'000'000 / hz > 0 ? 1'000'000'000 / hz : 1;
  for (auto& entry : t.entries) arm(entry.second, t.period_ns);
  return true;
}

std::vector<CpuSample> cpuprof_stop(std::int64_t* lost) {
  Ring* ring;
  Aggregate* agg;
  Threads& t = threads();
  {
    std::lock_guard<std::mutex> lock(t.mu);
    if (t.period_ns == 0) return {};
    t.period_ns = 0;
    for (auto& entry : t.entries) disarm(entry.second);
    g_active.store(false, std::memory_order_seq_cst);
    ring = g_ring.exchange(nullptr, std::memory_order_seq_cst);
    agg = g_aggregate;
    g_aggregate = nullptr;
  }
  // A signal already delivered may still be in its handler on another thread;
  // one arriving later finds no ring.
  while (g_in_handler.load(std::memory_order_seq_cst) != 0) std::this_thread::yield();
  Drainer& d = drainer();
  {
    std::lock_guard<std::mutex> dl(d.mu);
    d.stop = true;
  }
  d.cv.notify_all();
  d.thread.join();
  drain(ring, agg);
  if (lost != nullptr) *lost = ring->lost.load(std::memory_order_relaxed);
  std::vector<CpuSample> out;
  out.reserve(agg->samples.size());
  for (auto& entry : agg->samples) out.push_back(std::move(entry.second));
  delete agg;
  delete ring;
  return out;
}

}  // namespace gocxx::rt
