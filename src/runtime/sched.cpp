// The scheduler core: Go's G/M/P design (runtime/proc.go) with the tutorial's
// continuation stealing as the default spawn policy (docs/architecture.md has the
// glossary). Ms and their idle list, finding work, the switch between contexts and
// the actions that run right after it, park and ready, spawning and exiting
// goroutines, GOMAXPROCS. The run queues, G allocation, blocking()/lock_os_thread
// and the timer sleeper are leaves in runq.cpp, galloc.cpp, syscall.cpp and
// timer.cpp.
//
// Where a processor's M looks for work, in order (find_runnable):
//   1. every 61st tick, one G from the global queue (so it is never starved);
//   2. the head of its own deque if that G has waited there for more than
//      kStarveTimeNs, Go's time slice: under LIFO the oldest continuation is
//      otherwise passed over for as long as the processor has newer work;
//   3. runnext (a G just readied by this processor), at most kMaxRunnextStreak
//      times in a row;
//   4. its own deque: the tail under child_first (LIFO: the newest continuation
//      first), the head under parent_first (FIFO, as Go);
//   5. a batch from the global queue;
//   6. stealing: the head of other processors' deques, in random order;
//   7. nothing: release the P and sleep on a futex until handed one.
// Spinning follows Go: at most half the busy processors' worth of Ms look for work
// at once, and the last spinner to find work wakes another (wakep), so readying a
// goroutine costs an atomic load in the common case.
#include "sched.hpp"

#include <cxxabi.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#include "context_switch.hpp"
#include "futex.hpp"
#include "gocxx/detail/bubble.hpp"
#include "panic.hpp"

namespace gocxx::rt {

constinit Sched g_sched;

namespace {

constexpr std::uint64_t kGlobalQueuePollTicks = 61;  // Go's fairness tick
constexpr std::uint32_t kTimerCheckTicks = 16;       // direct switches between timer checks

// Initial-exec: read at a fixed offset from the thread pointer, where the default
// model for position-independent code calls __tls_get_addr (several instructions
// on every current_m(), which every park and ready make). The runtime's thread
// locals are two pointers, well within the static TLS glibc keeps for libraries.
__attribute__((tls_model("initial-exec"))) thread_local M* tls_m = nullptr;
__attribute__((tls_model("initial-exec"))) thread_local G* tls_thread_g = nullptr;

// nmspinning only counts Ms whose spinning flag is set: it never goes negative
// (Go throws "negative nmspinning").
void drop_spinning(Sched& s) {
  if (s.nmspinning.fetch_sub(1, std::memory_order_seq_cst) <= 0) {
    fatal("runtime: negative nmspinning");
  }
}

}  // namespace

// ---------------------------------------------------------------------------
// Ms: starting, waking and stopping them; handing Ps around.
// ---------------------------------------------------------------------------

// m takes p: after pidle_get_locked, or a hand-over.
void acquire_p(M* m, P* p) noexcept {
  m->p = p;
  std::atomic_ref<M*>(p->m).store(m, std::memory_order_relaxed);  // stall.cpp reads it
  p->status.store(PStatus::running, std::memory_order_relaxed);
}

void take_handed_p(M* m) {
  m->park.store(MPark::asleep, std::memory_order_relaxed);
  P* p = m->nextp;
  m->nextp = nullptr;
  if (p != nullptr) acquire_p(m, p);
}

namespace {
std::atomic<std::int64_t> g_idle_thread_keep_ns{60'000'000'000};
}  // namespace

void set_idle_thread_keep_ns(std::int64_t ns) noexcept {
  g_idle_thread_keep_ns.store(ns, std::memory_order_relaxed);
}

void retire_idle_ms(std::int64_t now) {
  Sched& s = sched();
  std::int64_t keep = g_idle_thread_keep_ns.load(std::memory_order_relaxed);
  LockGuard guard(s.lock);
  for (M** link = &s.midle; *link != nullptr;) {
    M* m = *link;
    // The idle sleeper stays: it is on the list but waits for timers and I/O.
    if (now - m->idle_since < keep || s.timer_sleeper.load(std::memory_order_relaxed) == m) {
      link = &m->idle_link;
      continue;
    }
    *link = m->idle_link;
    --s.nmidle;
    if (m->park.compare_exchange(MPark::asleep, MPark::retire)) {
      m->park.wake(1);
    }
  }
}

void stopm(M* m, bool add_to_idle) {
  Sched& s = sched();
  if (add_to_idle) {
    LockGuard guard(s.lock);
    m->idle_link = s.midle;
    m->idle_since = nanotime_coarse();
    s.midle = m;
    ++s.nmidle;
  }
  s.nm_waiting.fetch_add(1, std::memory_order_acq_rel);
  struct Waiting {
    ~Waiting() { sched().nm_waiting.fetch_sub(1, std::memory_order_acq_rel); }
  } waiting;
  for (;;) {
    MPark v = m->park.load(std::memory_order_acquire);
    if (v == MPark::handed_p) break;
    if (v == MPark::retire) {  // idle too long (retire_idle_ms): the thread ends
      m->park.store(MPark::asleep, std::memory_order_relaxed);
      m->exit_thread = true;
      return;
    }
    if (v == MPark::timer_wake) {  // meant for the timer sleeper we no longer are
      m->park.compare_exchange(v, MPark::asleep);
      continue;
    }
    m->park.wait(MPark::asleep);
  }
  take_handed_p(m);
}

namespace {

void* m_main(void* arg);

// A new M (OS thread) that starts with p.
void m_start(P* p, bool spinning) {
  Sched& s = sched();
  auto* m = new M;  // freed only when its thread ends with a locked goroutine (m_main)
  {
    LockGuard guard(s.lock);
    m->id = s.mcount++;
  }
  m->nextp = p;
  m->spinning = spinning;
  m->rng = (static_cast<std::uint64_t>(m->id) + 1) * 0x9e3779b97f4a7c15ULL;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  s.mlive.fetch_add(1, std::memory_order_acq_rel);
  s.threads_created.fetch_add(1, std::memory_order_relaxed);
  int err = pthread_create(&m->thread, &attr, m_main, m);
  pthread_attr_destroy(&attr);
  if (err != 0) {
    std::fprintf(stderr, "runtime: failed to create new OS thread (errno=%d)\n", err);
    fatal("newosproc");
  }
}

// Hands p to an idle M (or a new one) and wakes it.
void startm(P* p, bool spinning) {
  Sched& s = sched();
  M* m = nullptr;
  {
    LockGuard guard(s.lock);
    m = s.midle;
    if (m != nullptr) {
      s.midle = m->idle_link;
      --s.nmidle;
    }
  }
  if (m == nullptr) {
    m_start(p, spinning);
    return;
  }
  m->nextp = p;
  m->spinning = spinning;
  m->park.store(MPark::handed_p, std::memory_order_release);
  m->park.wake(1);
  // The idle sleeper stays on the idle list; it may be asleep in the poller.
  if (s.timer_sleeper.load(std::memory_order_seq_cst) == m) netpoll_break();
}

}  // namespace

void handoffp(P* p) {
  Sched& s = sched();
  std::atomic_ref<M*>(p->m).store(nullptr, std::memory_order_relaxed);
  if (!p->runq.empty() || p->runnext.load(std::memory_order_relaxed) != nullptr ||
      !global_empty(s)) {
    startm(p, false);
    return;
  }
  // Keep one spinning M around while nobody else looks for work.
  if (s.nmspinning.load() == 0 && s.npidle.load() == 0) {
    int expected = 0;
    if (s.nmspinning.compare_exchange_strong(expected, 1)) {
      startm(p, true);
      return;
    }
  }
  // Descriptor waiters need an M in the poller: if no idle sleeper exists, this P
  // gets one (it will find nothing to run and become the sleeper).
  if (netpoll_waiting() && s.timer_sleeper.load(std::memory_order_seq_cst) == nullptr &&
      !netpoll_blocked()) {
    startm(p, false);
    return;
  }
  std::int64_t timers_due = p->timers.min_when.load(std::memory_order_acquire);
  {
    LockGuard guard(s.lock);
    if (global_empty(s)) {
      pidle_put_locked(s, p);
      p = nullptr;
    }
  }
  if (p != nullptr) {
    startm(p, false);
    return;
  }
  // The P's timers now belong to an idle P: make sure an M sleeps until the
  // earliest of them (Go's handoffp wakes the netpoller for the same reason).
  if (timers_due != 0) timer_added(timers_due);
}

void wakep_slow() {
  Sched& s = sched();
  // Order the work we just published before the check below; the spinner that
  // gives up does the mirror image (drop nmspinning, then re-check the queues).
  full_barrier();
  if (s.nmspinning.load(std::memory_order_relaxed) != 0) return;
  int expected = 0;
  if (!s.nmspinning.compare_exchange_strong(expected, 1)) return;
  P* p = nullptr;
  {
    LockGuard guard(s.lock);
    p = pidle_get_locked(s);
  }
  if (p == nullptr) {
    drop_spinning(s);
    return;
  }
  startm(p, true);
}

namespace {

void reset_spinning(M* m) {
  m->spinning = false;
  drop_spinning(sched());
  wakep();  // we found work; there may be more for another spinner
}

// A P beyond gomaxprocs retires at its M's next scheduling point: its queued work
// goes to the global queue and its caches to the global pools.
void retire_p(M* m) {
  Sched& s = sched();
  P* p = m->p;
  m->p = nullptr;
  GBatch queued;
  if (G* g = runq_take_runnext(p)) queued.push(g);
  while (G* g = runq_take_head(p)) queued.push(g);
  stack_cache_flush(&p->stacks);
  if (global_put_batch(queued)) wakep();  // the remaining processors may all be idle
  LockGuard guard(s.lock);
  {
    LockGuard gl(s.gfree_lock);
    while (p->gfree != nullptr) {
      G* g = p->gfree;
      p->gfree = g->sched_link;
      g->sched_link = s.gfree;
      s.gfree = g;
      ++s.ngfree;
    }
    p->ngfree = 0;
  }
  std::atomic_ref<M*>(p->m).store(nullptr, std::memory_order_relaxed);
  p->status.store(PStatus::dead, std::memory_order_relaxed);
}

// ---------------------------------------------------------------------------
// Finding work.
// ---------------------------------------------------------------------------

// An M without a P waits for one. While timers are pending or anybody waits on a
// descriptor, one idle M (the idle sleeper) waits only until the earliest timer,
// in the poller once it is in use, and runs the due timers and queues the ready
// waiters itself.
void idle(M* m) {
  Sched& s = sched();
  M* expected = nullptr;
  if ((next_timer_when() == 0 && !netpoll_waiting()) ||
      !s.timer_sleeper.compare_exchange_strong(expected, m)) {
    stopm(m, true);
    return;
  }
  bool got_p = timer_sleep(m);
  s.timer_sleeper.store(nullptr, std::memory_order_seq_cst);
  G* polled = std::exchange(m->polled, nullptr);
  if (got_p) {
    inject_glist(polled, m->p);
    return;
  }
  // Run the due timers as a spinner, so that the goroutines they ready do not wake
  // another M: this one is about to look for a P.
  m->spinning = true;
  s.nmspinning.fetch_add(1);
  run_all_timers(nanotime());
  P* got = nullptr;
  {
    LockGuard guard(s.lock);
    got = pidle_get_locked(s);
  }
  if (got != nullptr) {
    acquire_p(m, got);
    inject_glist(polled, got);
    return;
  }
  inject_glist(polled, nullptr);
  m->spinning = false;
  drop_spinning(s);
  if (P* p = recheck_after_spinning()) {
    acquire_p(m, p);
    m->spinning = true;
    s.nmspinning.fetch_add(1);
  }
}

// Blocks until it can return a runnable G; the calling M then holds a P. Returns
// nullptr, with no P, when the M has been idle so long that its thread ends.
G* find_runnable(M* m) {
  Sched& s = sched();
  for (;;) {
    P* p = m->p;
    if (p == nullptr) {
      idle(m);
      if (m->exit_thread) return nullptr;  // an idle thread nobody needed
      continue;
    }
    if (p->timers.min_when.load(std::memory_order_acquire) != 0) {
      run_timers_if_due(&p->timers, nanotime());
    }
    stack_cache_maybe_trim(&p->stacks);
    if (p->id >= s.gomaxprocs.load(std::memory_order_relaxed)) {
      retire_p(m);
      if (m->spinning) {  // submitters counted on us: hand the search to someone
        m->spinning = false;
        drop_spinning(s);
        wakep();
      }
      continue;
    }
    if (p->schedtick % kGlobalQueuePollTicks == 0 && !global_empty(s)) {
      if (G* g = global_get(p, m, 1)) return g;
    }
    if (G* g = runq_get(p)) return g;
    if (G* g = global_get(p, m, RunQueue::kCapacity / 2)) return g;
    // The network, before stealing (Go's findRunnable): unless an M already
    // sleeps in the poller, whose wake-up would serve the same events.
    if (netpoll_waiting() && !netpoll_blocked()) {
      if (G* list = netpoll(0)) {
        if (G* g = netpoll_take_one(list, p)) return g;
      }
    }

    int busy = s.gomaxprocs.load(std::memory_order_relaxed) - s.npidle.load();
    if (m->spinning || 2 * s.nmspinning.load() < busy) {
      if (!m->spinning) {
        m->spinning = true;
        s.nmspinning.fetch_add(1);
      }
      if (G* g = steal_work(m, p)) return g;
    }

    // Nothing to do: give the P back and sleep.
    {
      LockGuard guard(s.lock);
      if (G* g = global_get_locked(s, p, m, RunQueue::kCapacity / 2)) return g;
      m->p = nullptr;
      pidle_put_locked(s, p);
    }
    if (m->spinning) {
      m->spinning = false;
      drop_spinning(s);
      if (P* again = recheck_after_spinning()) {
        acquire_p(m, again);
        m->spinning = true;
        s.nmspinning.fetch_add(1);
        continue;
      }
    }
    idle(m);
    if (m->exit_thread) return nullptr;
  }
}

// Finds a runnable G on m's own processor without stealing or blocking, for a
// parking goroutine to switch to directly (through take_local_direct).
G* take_local(M* m) {
  P* p = m->p;
  if (p == nullptr) return nullptr;
  Sched& s = sched();
  if (p->id >= s.gomaxprocs.load(std::memory_order_relaxed)) return nullptr;
  if (s.migrate_every_switch.load(std::memory_order_relaxed)) return nullptr;
  // Due timers run on g0 (find_runnable): a parking goroutine may still hold the
  // lock of the very channel a timer wants to send to.
  if (p->timers.min_when.load(std::memory_order_relaxed) != 0 &&
      ++p->timer_checks % kTimerCheckTicks == 0 &&
      p->timers.min_when.load(std::memory_order_acquire) <= nanotime()) {
    return nullptr;
  }
  if (p->schedtick % kGlobalQueuePollTicks == 0 && !global_empty(s)) {
    if (G* g = global_get(p, m, 1)) return g;
  }
  return runq_get(p);
}

// What a goroutine that stops running switches to directly (skipping g0): a local
// G this M may run. A G locked to another M may only run there: it is left for g0
// to hand over (the caller then switches to g0).
inline G* take_local_direct(M* m) {
  G* g = take_local(m);
  if (g != nullptr && g->locked_m != nullptr) [[unlikely]] {
    m->start_locked = g;
    return nullptr;
  }
  return g;
}

// ---------------------------------------------------------------------------
// Switching.
// ---------------------------------------------------------------------------

void goroutine_trampoline_entry(void* arg);

// A ready chosen for the latency sample (out of line: the clock read must not
// cost ready() a stack frame).
__attribute__((noinline)) void stamp_runnable(G* g) noexcept {
  g->runnable_since = nanotime();
  g->switch_hooks.fetch_or(kHookLatency, std::memory_order_relaxed);
}

// A sampled goroutine starts running: how long it waited, into p's histogram.
__attribute__((noinline)) void record_latency(P* p, G* g) noexcept {
  std::int64_t waited = nanotime() - g->runnable_since;
  if (waited < 0) waited = 0;
  auto ns = static_cast<std::uint64_t>(waited);
  int bucket = ns == 0 ? 0 : std::min(39, 64 - __builtin_clzll(ns));
  p->latency_buckets[bucket] = p->latency_buckets[bucket] + 1;
  p->latency_count = p->latency_count + 1;
  p->latency_sum_ns = p->latency_sum_ns + ns;
}

// Gives g a stack and an initial frame the first time it runs.
void prepare_to_run(G* g, P* p) {
  if (!g->stack) {
    g->stack = stack_alloc(p != nullptr ? &p->stacks : nullptr);
    sanitizer_create(g->san, g->stack.lo, g->stack.size());
    std::atomic_ref<void*>(g->sp).store(gocxx_ctx_make(g->stack.hi, goroutine_trampoline_entry),
                                        std::memory_order_relaxed);
  }
}

// ---------------------------------------------------------------------------
// Switching.
// ---------------------------------------------------------------------------

void save_eh(M* m, G* g) noexcept {
  std::memcpy(&g->eh, m->eh_globals, sizeof(EhState));
}
void restore_eh(M* m, const G* g) noexcept {
  std::memcpy(m->eh_globals, &g->eh, sizeof(EhState));
}

// to's switch hooks are set: a latency sample to take, or readers holding its
// stack (pin_switched_out), whose walks are short and never park.
[[gnu::noinline]] void run_switch_hooks(P* p, G* to) noexcept {
  if ((to->switch_hooks.load(std::memory_order_relaxed) & kHookLatency) != 0) {
    to->switch_hooks.fetch_and(~kHookLatency, std::memory_order_relaxed);
    if (p != nullptr) record_latency(p, to);
  }
  while (to->switch_hooks.load(std::memory_order_acquire) >= kHookPin) cpu_relax();
}

// Inlined into switch_to: it runs on every switch.
[[gnu::always_inline]] inline void landed(G* self) {
  sanitizer_finish_switch(self->san);
  M* m = current_m();
  restore_eh(m, self);
  if (m->after.fn != nullptr) {
    auto a = m->after;
    m->after.fn = nullptr;
    m->after.arg = nullptr;  // it may point into `from`'s stack: no stale copy for the leak profile
    a.fn(a.from, a.arg);
  }
}

}  // namespace

void switch_to(M* m, G* from, G* to, AfterSwitchFn after, void* arg, bool from_dying) {
  m->after = {after, from, arg};
  std::atomic_ref<G*>(m->curg).store(to, std::memory_order_relaxed);  // stall.cpp reads it
  if (to->kind == G::Kind::goroutine) {
    // seq_cst against pin_switched_out: either the reader sees `running` or we see
    // its pin.
    if (to->status.exchange(GStatus::running) != GStatus::runnable) {
      fatal("runtime: switch to a goroutine that is not runnable");
    }
    if (to->switch_hooks.load() != 0) [[unlikely]]
      run_switch_hooks(m->p, to);
    if (P* p = m->p) {
      p->schedtick = p->schedtick + 1;
      // A request to yield is for the goroutine that was running then.
      if (p->preempt.load(std::memory_order_relaxed)) [[unlikely]]
        clear_preempt(p);
    }
  }
  save_eh(m, from);
  if (!from_dying && from->kind == G::Kind::goroutine && !from->stack.guarded &&
      !stack_canary_ok(from->stack)) {
    std::fprintf(stderr, "runtime: goroutine stack exceeds %zu-byte limit\n", from->stack.size());
    char msg[64];
    std::snprintf(msg, sizeof msg, "goroutine %llu stack overflow",
                  static_cast<unsigned long long>(from->id));
    fatal(msg);
  }
  sanitizer_start_switch(from->san, to->san, from_dying);
  gocxx_ctx_switch(&from->sp, to->sp, to);
  landed(from);
}

bool pin_switched_out(G* g) noexcept {
  g->switch_hooks.fetch_add(kHookPin);  // a count: two readers may hold one goroutine
  GStatus st = g->status.load();
  if (st == GStatus::waiting || st == GStatus::runnable) return true;
  g->switch_hooks.fetch_sub(kHookPin, std::memory_order_release);
  return false;
}

void unpin_switched_out(G* g) noexcept {
  g->switch_hooks.fetch_sub(kHookPin, std::memory_order_release);
}

namespace {

// After-switch actions.
void after_push_parent(G* parent, void* /*arg*/) {
  M* m = current_m();
  parent->status.store(GStatus::runnable, std::memory_order_release);  // switched out now
  runq_put(m->p, parent, false);
  wakep();
}

void after_gosched(G* g, void* /*arg*/) {
  Sched& s = sched();
  g->status.store(GStatus::runnable, std::memory_order_relaxed);
  if (s.migrate_every_switch.load(std::memory_order_relaxed)) g->avoid_m = current_m();
  {
    LockGuard guard(s.lock);
    global_put_locked(s, g);
  }
  wakep();
}

void after_park(G* g, void* arg) {
  auto* commit = reinterpret_cast<std::pair<ParkCommit, void*>*>(arg);
  if (sched().migrate_every_switch.load(std::memory_order_relaxed)) g->avoid_m = current_m();
  // Waiting only now that it is switched out (as Go's park_m on g0), so a stack
  // reader that sees `waiting` (pin_switched_out) finds the registers it saved; and
  // before the commit lets a waker find it. Release: the reader sees the stack too.
  g->status.store(GStatus::waiting, std::memory_order_release);
  if (g->bubble != nullptr) [[unlikely]] {
    // Counted as durably blocked before the commit lets a waker find it, but as
    // still parking until the commit is done (it may arm the timer the bubble's
    // driver is to move the clock to).
    Bubble* b = g->bubble;
    if (bubble_parked(g)) {
      commit->first(g, commit->second);
      if (G* driver = bubble_park_committed(b)) ready(driver);
      return;
    }
  }
  commit->first(g, commit->second);
}

void after_exit(G* g, void* /*arg*/) {
  M* m = current_m();
  free_g(g, m->p);
}

// The M's scheduler loop, on g0. Returns when the thread must end.
void schedule_loop(M* m) {
  for (;;) {
    G* g = std::exchange(m->start_locked, nullptr);
    if (g == nullptr) {
      g = find_runnable(m);
      if (g == nullptr) return;  // the thread ends (no P, on no list)
      if (m->spinning) reset_spinning(m);
    }
    if (g->locked_m != nullptr) {
      startlockedm(m, g);
      continue;
    }
    if (sched().migrate_every_switch.load(std::memory_order_relaxed)) g->avoid_m = nullptr;
    prepare_to_run(g, m->p);
    switch_to(m, &m->g0, g, nullptr, nullptr);
    // Back on g0: the goroutine that switched here parked, yielded or exited and its
    // after-switch action has run. While a goroutine is locked to this M, the M runs
    // that goroutine and nothing else.
    for (;;) {
      if (m->exit_thread) {
        drop_exiting_m(m);
        return;
      }
      G* lg = m->locked_g;
      if (lg == nullptr) break;
      stoplockedm(m);
      switch_to(m, &m->g0, lg, nullptr, nullptr);
    }
  }
}

void* m_main(void* arg) {
  auto* m = static_cast<M*>(arg);
  register_runtime_thread();
  tls_m = m;
  m->g0.kind = G::Kind::g0;
  m->g0.status.store(GStatus::running);
  std::atomic_ref<G*>(m->curg).store(&m->g0, std::memory_order_relaxed);
  m->eh_globals = abi::__cxa_get_globals();
  m->signal_stack = install_signal_stack();
  m->tid = static_cast<int>(::syscall(SYS_gettid));
  cpuprof_thread_start(m);
  pthread_attr_t attr;
  void* stack_addr = nullptr;
  std::size_t stack_size = 0;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    pthread_attr_getstack(&attr, &stack_addr, &stack_size);
    pthread_attr_destroy(&attr);
  }
  sanitizer_adopt_thread(m->g0.san, stack_addr, stack_size);
  P* p = m->nextp;
  m->nextp = nullptr;
  acquire_p(m, p);
  schedule_loop(m);
  // The thread ends with the goroutine that was locked to it, or after idling.
  cpuprof_thread_end(m);
  remove_signal_stack(m->signal_stack);
  tls_m = nullptr;
  delete m;
  unregister_runtime_thread();
  sched().mlive.fetch_sub(1, std::memory_order_acq_rel);
  return nullptr;
}

}  // namespace

// ---------------------------------------------------------------------------
// Runtime start and GOMAXPROCS.
// ---------------------------------------------------------------------------

namespace {

void set_gomaxprocs_locked(Sched& s, int n) GOCXX_REQUIRES(s.lock) {
  int old = s.gomaxprocs.load();
  s.gomaxprocs.store(n, std::memory_order_seq_cst);
  int nall = s.nallp.load(std::memory_order_relaxed);
  for (int i = 0; i < n; ++i) {
    if (i >= nall) {
      auto* p = new P;
      p->id = i;
      p->status.store(PStatus::dead);
      s.allp[i] = p;
      s.nallp.store(i + 1, std::memory_order_release);
    }
    if (s.allp[i]->status.load() == PStatus::dead) pidle_put_locked(s, s.allp[i]);
  }
  if (n < old) {  // drop idle Ps beyond n; running ones retire themselves
    P** link = &s.pidle;
    while (*link != nullptr) {
      P* p = *link;
      if (p->id >= n) {
        *link = p->idle_link;
        p->idle_link = nullptr;
        p->status.store(PStatus::dead);
        s.npidle.fetch_sub(1);
      } else {
        link = &p->idle_link;
      }
    }
  }
}

}  // namespace

void ensure_started() noexcept {
  static const bool started = [] {
    Sched& s = sched();
    const char* policy = std::getenv("GOCXX_SPAWN");
    if (policy != nullptr && std::strcmp(policy, "parent_first") == 0) s.spawn_policy.store(1);
    install_crash_handlers();
    read_deadlock_env();
    {
      LockGuard guard(s.lock);
      if (env_gomaxprocs() != 0) s.gomaxprocs_custom.store(true, std::memory_order_relaxed);
      set_gomaxprocs_locked(s, default_gomaxprocs());
    }
    start_sysmon();
    return true;
  }();
  (void)started;
}

int set_gomaxprocs(int n, bool only_if_default) {
  ensure_started();
  Sched& s = sched();
  int old;
  {
    LockGuard guard(s.lock);
    old = s.gomaxprocs.load();
    // The program's own setting wins over sysmon's update, whichever comes first.
    if (only_if_default && s.gomaxprocs_custom.load(std::memory_order_relaxed)) return old;
    if (n > kMaxProcs) n = kMaxProcs;
    set_gomaxprocs_locked(s, n);
  }
  if (n > old && !global_empty(s)) {
    for (int i = old; i < n; ++i) wakep();
  }
  return old;
}

// ---------------------------------------------------------------------------
// The running context.
// ---------------------------------------------------------------------------

// ---------------------------------------------------------------------------
// The running context.
// ---------------------------------------------------------------------------

__attribute__((noinline)) M* current_m() noexcept {
  asm volatile("" ::: "memory");
  return tls_m;
}

__attribute__((noinline)) G* current_g() noexcept {
  asm volatile("" ::: "memory");
  if (M* m = tls_m) return m->curg;
  if (tls_thread_g == nullptr) {
    static thread_local struct Holder {
      G g;
      ~Holder() { tls_thread_g = nullptr; }
    } holder;
    holder.g.kind = G::Kind::thread;
    holder.g.status.store(GStatus::running);
    tls_thread_g = &holder.g;
  }
  return tls_thread_g;
}

// ---------------------------------------------------------------------------
// Park and ready.
// ---------------------------------------------------------------------------

namespace {

void thread_park(G* self, ParkCommit commit, void* arg) {
  self->thread_wake.store(ThreadWake::waiting, std::memory_order_relaxed);
  note_thread_parked();
  commit(self, arg);
  // Spin briefly: the waker is often a goroutine about to hand over a value.
  for (int i = 0; i < 200; ++i) {
    if (self->thread_wake.load(std::memory_order_acquire) == ThreadWake::woken) return;
    cpu_relax();
  }
  if (self->thread_wake.compare_exchange(ThreadWake::waiting, ThreadWake::sleeping,
                                         std::memory_order_acquire)) {
    while (self->thread_wake.load(std::memory_order_acquire) != ThreadWake::woken) {
      self->thread_wake.wait(ThreadWake::sleeping);
    }
  }
}

void thread_unpark(G* g) {
  note_thread_unparked();
  if (g->thread_wake.exchange(ThreadWake::woken, std::memory_order_release) ==
      ThreadWake::sleeping) {
    g->thread_wake.wake(1);
  }
}

}  // namespace

namespace {

// The park itself, once the caller is known to be a goroutine on m.
[[gnu::always_inline]] inline void park_on(M* m, ParkCommit commit, void* arg,
                                           const char* wait_reason, std::uint32_t chan_wait) {
  G* self = m->curg;
  if (self->kind == G::Kind::g0) fatal("runtime: blocking operation on the scheduler stack");
  self->wait_reason = wait_reason;
  // Set on every park, so a goroutine woken from a channel and parked on anything
  // else is not taken for a channel waiter (leak.cpp reads it only while parked).
  self->chan_wait = chan_wait;
  self->park_gen = self->park_gen + 1;  // also restarts the ", N minutes" clock (sysmon)
  G* next = self->locked_m == nullptr ? take_local_direct(m) : nullptr;
  if (next != nullptr) prepare_to_run(next, m->p);
  std::pair<ParkCommit, void*> c{commit, arg};
  switch_to(m, self, next != nullptr ? next : &m->g0, after_park, &c);
}

// park() with the block profile on: the wait's length, when it is sampled. Apart,
// so that the common park pays one test for it.
[[gnu::noinline]] void park_block_profiled(M* m, ParkCommit commit, void* arg,
                                           const char* wait_reason, std::uint32_t chan_wait) {
  std::int64_t blocked_at = block_profiled(wait_reason) ? nanotime() : 0;
  park_on(m, commit, arg, wait_reason, chan_wait);
  if (blocked_at != 0) block_event(nanotime() - blocked_at);
}

}  // namespace

void park(ParkCommit commit, void* arg, const char* wait_reason, std::uint32_t chan_wait) {
  M* m = current_m();
  if (m == nullptr) {
    thread_park(current_g(), commit, arg);
    return;
  }
  if (g_block_profile_rate.load(std::memory_order_relaxed) != 0) [[unlikely]] {
    park_block_profiled(m, commit, arg, wait_reason, chan_wait);
    return;
  }
  park_on(m, commit, arg, wait_reason, chan_wait);
}

namespace {
// Releases, right after the switch, a lock the parking context took: the analysis
// cannot follow a lock across a switch.
void unlock_after_park(G* /*parked*/, void* lock) GOCXX_NO_THREAD_SAFETY_ANALYSIS {
  static_cast<Lock*>(lock)->unlock();
}
}  // namespace

void park_unlock(Lock& l, const char* wait_reason) GOCXX_NO_THREAD_SAFETY_ANALYSIS {
  park(unlock_after_park, &l, wait_reason);
}

void ready(G* g) {
  if (g->kind == G::Kind::thread) {
    thread_unpark(g);
    return;
  }
  Sched& s = sched();
  GStatus was = g->status.exchange(GStatus::runnable, std::memory_order_relaxed);
  if (was != GStatus::waiting) fatal("runtime: bad goroutine status in ready");
  if (g->bubble_blocked) [[unlikely]]
    bubble_readied(g);
  M* m = current_m();
  if (m != nullptr && m->p != nullptr && !s.migrate_every_switch.load(std::memory_order_relaxed)) {
    if (m->p->schedtick % kLatencySampleEvery == 0) [[unlikely]]
      stamp_runnable(g);
    runq_put(m->p, g, true);
  } else {
    LockGuard guard(s.lock);
    global_put_locked(s, g);
  }
  wakep();
}

void ready_list(G* head) {
  // Goroutines go to the global queue in one batch; threads are woken one by one.
  GBatch batch;
  while (head != nullptr) {
    G* g = head;
    head = head->sched_link;
    if (g->kind == G::Kind::thread) {
      thread_unpark(g);
      continue;
    }
    batch.push(g);
  }
  if (batch.n == 0) return;
  if (batch.n == 1) {
    ready(batch.head);
    return;
  }
  for (G* g = batch.head; g != nullptr; g = g->sched_link) {
    if (g->status.exchange(GStatus::runnable, std::memory_order_relaxed) != GStatus::waiting) {
      fatal("runtime: bad goroutine status in ready");
    }
    if (g->bubble_blocked) [[unlikely]]
      bubble_readied(g);
  }
  global_put_batch(batch);
  // Wake as many idle processors as there is work for; each spinner wakes the next.
  wakep();
}

// ---------------------------------------------------------------------------
// Goroutine life: the trampoline a new goroutine starts in, exit, spawn, yield.
// ---------------------------------------------------------------------------

namespace {

struct GoexitSignal {};

// Runs the goroutine's task. Deliberately neither noexcept nor catch-all: an
// exception nobody catches unwinds to the trampoline's undefined return address,
// and __cxa_throw calls std::terminate with the throwing frames still on the stack
// (the panic handler prints them).
void run_task(G* g) {
  struct Destroy {
    G* g;
    ~Destroy() {
      g->task_ops->destroy(g->task);
      release_task(g);
    }
  } destroy{g};
  try {
    g->task_ops->run(g->task);
  } catch (const GoexitSignal&) {
    g->goexiting = false;
  }
}

[[noreturn]] void goexit0(G* g) {
  M* m = current_m();
  P* p = m->p;
  if (p != nullptr) {
    p->goroutines.fetch_sub(1, std::memory_order_relaxed);
  } else {
    sched().goroutines_no_p.fetch_sub(1, std::memory_order_relaxed);
  }
  if (g->labels != nullptr) labels_release(labels_exchange(g, nullptr));
  if (g->bubble != nullptr) [[unlikely]]
    bubble_exiting(g);
  bool locked = g->locked_m != nullptr;
  if (locked) {
    m->locked_g = nullptr;
    g->locked_m = nullptr;
    g->lock_count = 0;
    m->exit_thread = true;  // g0 ends the thread once g is freed
  }
  g->status.store(GStatus::dead, std::memory_order_relaxed);
  G* next = locked ? nullptr : take_local_direct(m);
  if (next != nullptr) prepare_to_run(next, m->p);
  switch_to(m, g, next != nullptr ? next : &m->g0, after_exit, nullptr, /*from_dying=*/true);
  __builtin_unreachable();
}

void goroutine_trampoline_entry(void* arg) {
  auto* g = static_cast<G*>(arg);
  landed(g);
  run_task(g);
  goexit0(g);
}

}  // namespace

void start_g(G* g, const detail::TaskOps* ops, void* creator_pc) {
  maybe_preempt();
  Sched& s = sched();
  G* self = current_g();
  M* m = current_m();
  P* p = m != nullptr ? m->p : nullptr;
  g->task_ops = ops;
  if (detail::g_bubbles_alive.load(std::memory_order_relaxed) != 0 && g->bubble == nullptr)
      [[unlikely]] {
    if (Bubble* b = current_bubble()) bubble_spawned(g, b);  // goroutines inherit the bubble
  }
  g->parent_id = self->kind == G::Kind::goroutine ? static_cast<std::uint64_t>(self->id) : 0;
  g->creator_pc = creator_pc;
  if (self->labels != nullptr) g->labels = labels_retain(self->labels);  // Go: inherited
  g->status.store(GStatus::runnable, std::memory_order_relaxed);
  if (p != nullptr) {
    p->goroutines.fetch_add(1, std::memory_order_relaxed);
    p->created = p->created + 1;
  } else {
    s.goroutines_no_p.fetch_add(1, std::memory_order_relaxed);
    s.created_no_p.fetch_add(1, std::memory_order_relaxed);
  }
  bool migrate = s.migrate_every_switch.load(std::memory_order_relaxed);
  if (p != nullptr && self->kind == G::Kind::goroutine && self->locked_m == nullptr && !migrate &&
      s.spawn_policy.load(std::memory_order_relaxed) == 0 &&
      p->id < s.gomaxprocs.load(std::memory_order_relaxed)) {
    // Child first: run the child now; the parent's continuation goes to the tail
    // of this processor's deque, where a thief may take it (the tutorial's rule 1).
    prepare_to_run(g, p);
    switch_to(m, self, g, after_push_parent, nullptr);
    return;
  }
  if (p != nullptr && !migrate) {
    runq_put(p, g, true);
  } else {
    LockGuard guard(s.lock);
    global_put_locked(s, g);
  }
  wakep();
}

void gosched_impl() {
  G* self = current_g();
  if (self->kind != G::Kind::goroutine) {
    sched_yield();
    return;
  }
  M* m = current_m();
  G* next = self->locked_m == nullptr ? take_local_direct(m) : nullptr;
  if (next != nullptr) prepare_to_run(next, m->p);
  switch_to(m, self, next != nullptr ? next : &m->g0, after_gosched, nullptr);
}

[[noreturn]] void goexit_impl() {
  G* self = current_g();
  if (self->kind != G::Kind::goroutine) {
    fatal("runtime.Goexit called outside a goroutine");
  }
  self->goexiting = true;
  throw GoexitSignal{};
}

}  // namespace gocxx::rt
