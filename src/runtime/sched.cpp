// The work-stealing scheduler: Go's G/M/P design (runtime/proc.go) with the seed
// tutorial's continuation stealing as the default spawn policy.
//
// Where a processor's M looks for work, in order (find_runnable):
//   1. every 61st tick, one G from the global queue (so it is never starved);
//   2. the head of its own deque if that G has waited there for more than
//      kStarveTime, Go's time slice ("一旦协程有饥饿的迹象会优先调度"): under
//      LIFO the oldest continuation is otherwise passed over for as long as the
//      processor has newer work;
//   3. runnext (a G just readied by this processor), at most kMaxRunnextStreak
//      times in a row;
//   4. its own deque: the tail under child_first (LIFO, the seed's rule 2), the head
//      under parent_first (FIFO, as Go);
//   5. a batch from the global queue;
//   6. stealing: the head of other processors' deques, random order (rule 3);
//   7. nothing: release the P and sleep on a futex until handed one (rule 4).
// Spinning follows Go: at most half the busy processors' worth of Ms look for work
// at once, and the last spinner to find work wakes another (wakep), so readying a
// goroutine costs an atomic load in the common case.
#include "sched.hpp"

#include <cxxabi.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include <climits>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <numeric>
#include <utility>

#include "context.hpp"
#include "futex.hpp"
#include "gocxx/errors.hpp"
#include "panic.hpp"

namespace gocxx::rt {

void free_g(G* g, P* p);

namespace {

void take_handed_p(M* m);
bool leave_idle_list(M* m);
void idle(M* m);
void run_timers_if_due(TimerHeap* h, std::int64_t now);

constexpr std::uint64_t kGlobalQueuePollTicks = 61;  // Go's fairness tick
constexpr std::int64_t kStarveTimeNs = 10'000'000;   // Go's scheduling quantum
constexpr std::uint64_t kStarveCheckTicks = 64;      // read the clock every 64th call
constexpr std::uint32_t kMaxRunnextStreak = 32;
constexpr int kStealRounds = 4;
constexpr std::uint32_t kTimerCheckTicks = 16;  // direct switches between timer checks
constexpr std::int64_t kTimerSlackNs = 50'000;  // the timer sleeper's coalescing window
constexpr int kGoidBatch = 16;
constexpr int kMaxLocalFreeG = 64;

thread_local M* tls_m = nullptr;
thread_local G* tls_thread_g = nullptr;

// ---------------------------------------------------------------------------
// ---------------------------------------------------------------------------
// Global queue (sched().lock held).
// ---------------------------------------------------------------------------

void global_put_locked(Sched& s, G* g) noexcept {
  g->sched_link = nullptr;
  if (s.runq_tail != nullptr) {
    s.runq_tail->sched_link = g;
  } else {
    s.runq_head = g;
  }
  s.runq_tail = g;
  s.runq_size.fetch_add(1, std::memory_order_relaxed);
}

void global_put_batch_locked(Sched& s, G* head, G* tail, std::int64_t n) noexcept {
  tail->sched_link = nullptr;
  if (s.runq_tail != nullptr) {
    s.runq_tail->sched_link = head;
  } else {
    s.runq_head = head;
  }
  s.runq_tail = tail;
  s.runq_size.fetch_add(n, std::memory_order_relaxed);
}

G* global_pop_locked(Sched& s, M* m) noexcept {
  G* prev = nullptr;
  G* g = s.runq_head;
  // In migration-debug mode skip goroutines that must move off this M.
  while (g != nullptr && m != nullptr && g->avoid_m == m) {
    prev = g;
    g = g->sched_link;
  }
  if (g == nullptr) return nullptr;
  if (prev != nullptr) {
    prev->sched_link = g->sched_link;
  } else {
    s.runq_head = g->sched_link;
  }
  if (s.runq_tail == g) s.runq_tail = prev;
  g->sched_link = nullptr;
  s.runq_size.fetch_sub(1, std::memory_order_relaxed);
  return g;
}

bool global_empty(const Sched& s) noexcept {
  return s.runq_size.load(std::memory_order_relaxed) == 0;
}

// ---------------------------------------------------------------------------
// Idle P and M lists (sched().lock held).
// ---------------------------------------------------------------------------

void pidle_put_locked(Sched& s, P* p) noexcept {
  p->m = nullptr;
  if (p->id >= s.gomaxprocs.load(std::memory_order_relaxed)) {
    p->status.store(PStatus::dead, std::memory_order_relaxed);
    return;
  }
  p->status.store(PStatus::idle, std::memory_order_relaxed);
  p->idle_link = s.pidle;
  s.pidle = p;
  s.npidle.fetch_add(1, std::memory_order_seq_cst);
}

P* pidle_get_locked(Sched& s) noexcept {
  P* p = s.pidle;
  if (p == nullptr) return nullptr;
  s.pidle = p->idle_link;
  p->idle_link = nullptr;
  s.npidle.fetch_sub(1, std::memory_order_seq_cst);
  p->status.store(PStatus::running, std::memory_order_relaxed);
  return p;
}

void acquire_p(M* m, P* p) noexcept {
  m->p = p;
  p->m = m;
  p->status.store(PStatus::running, std::memory_order_relaxed);
}

// ---------------------------------------------------------------------------
// Local run queue.
// ---------------------------------------------------------------------------

// The local deque is full: move half of it and g to the global queue (Go's
// runqputslow), so a burst of spawns spreads to other processors.
void runq_put_slow(P* p, G* g) noexcept {
  Sched& s = sched();
  G* head = g;
  G* tail = g;
  std::int64_t n = 1;
  g->sched_link = nullptr;
  for (std::int64_t i = 0; i < RunQueue::kCapacity / 2; ++i) {
    G* x = p->runq.pop_head();
    if (x == nullptr) break;
    tail->sched_link = x;
    tail = x;
    ++n;
  }
  LockGuard guard(s.lock);
  global_put_batch_locked(s, head, tail, n);
}

void runq_put(P* p, G* g, bool next) noexcept {
  if (next) {
    // Only the owner ever stores a non-null runnext, so an empty slot stays empty
    // until we fill it: no read-modify-write needed then.
    if (p->runnext.load(std::memory_order_relaxed) == nullptr) {
      p->runnext.store(g, std::memory_order_release);
      return;
    }
    G* old = p->runnext.exchange(g, std::memory_order_acq_rel);
    if (old == nullptr) return;
    g = old;  // the previous runnext goes to the deque
  }
  if (!p->runq.push_tail(g)) runq_put_slow(p, g);
}

G* runq_take_runnext(P* p) noexcept {
  G* g = p->runnext.load(std::memory_order_relaxed);
  if (g != nullptr && p->runnext.compare_exchange_strong(g, nullptr, std::memory_order_acquire,
                                                         std::memory_order_relaxed)) {
    return g;
  }
  return nullptr;
}

G* runq_take_head(P* p) noexcept {
  while (!p->runq.empty()) {
    if (G* g = p->runq.pop_head()) return g;
  }
  return nullptr;
}

std::int64_t coarse_now_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Whether the goroutine at the head of p's deque has waited there longer than
// kStarveTimeNs. Checked every kStarveCheckTicks decisions: it watches which G is
// at the head and since when, which costs a clock read per 64 switches instead of
// a timestamp per enqueue.
bool head_is_starving(P* p) noexcept {
  if (++p->starve_checks % kStarveCheckTicks != 0) return false;
  G* h = p->runq.peek_head();
  if (h == nullptr) {
    p->starve_watch = nullptr;
    return false;
  }
  std::int64_t now = coarse_now_ns();
  if (h != p->starve_watch) {
    p->starve_watch = h;
    p->starve_since_ns = now;
    return false;
  }
  return now - p->starve_since_ns > kStarveTimeNs;
}

// Warms the caches for what this processor will run after the goroutine it just
// took: the G two places on, and the saved registers at the top of the next one's
// stack. A goroutine that has been parked a while is cold, and switching to it
// costs a TLB miss and cache misses on its stack (most of the time spent waking a
// crowd, such as every waiter of a cancelled context tree). The entries may be
// stolen meanwhile: the prefetch is then wasted, never wrong.
inline void prefetch_upcoming(const P* p) noexcept {
  if (G* after = p->runq.peek_tail(1)) __builtin_prefetch(after);
  if (G* next = p->runq.peek_tail(0)) {
    // Written by the context switch (assembly) of whichever M last ran it.
    if (void* sp = std::atomic_ref<void*>(next->sp).load(std::memory_order_relaxed)) {
      __builtin_prefetch(sp);
      __builtin_prefetch(static_cast<char*>(sp) + 64);
    }
  }
}

G* runq_get(P* p) noexcept {
  // A goroutine at the head that has waited too long runs first.
  if (head_is_starving(p)) {
    p->starve_watch = nullptr;
    if (G* g = p->runq.pop_head()) return g;
  }
  if (p->runnext_streak < kMaxRunnextStreak) {
    if (G* g = runq_take_runnext(p)) {
      ++p->runnext_streak;
      return g;
    }
  }
  p->runnext_streak = 0;
  G* g = nullptr;
  if (sched().spawn_policy.load(std::memory_order_relaxed) == 0) {
    g = p->runq.pop_tail();
    if (g != nullptr) prefetch_upcoming(p);
  } else {
    g = runq_take_head(p);
  }
  if (g == nullptr) g = runq_take_runnext(p);
  return g;
}

// Takes up to max runnable goroutines from the global queue: returns one, queues the
// rest locally. sched().lock held.
G* global_get_locked(Sched& s, P* p, M* m, std::int64_t max) noexcept {
  std::int64_t size = s.runq_size.load(std::memory_order_relaxed);
  if (size == 0) return nullptr;
  std::int64_t n = std::min<std::int64_t>(
      {size, size / std::max(1, s.gomaxprocs.load(std::memory_order_relaxed)) + 1, max,
       RunQueue::kCapacity / 2});
  // In migration-debug mode nothing may sit in a local queue, where another M
  // could pick it up by taking over or robbing the processor.
  if (s.migrate_every_switch.load(std::memory_order_relaxed)) n = 1;
  G* g = global_pop_locked(s, m);
  for (std::int64_t i = 1; i < n && g != nullptr; ++i) {
    G* x = global_pop_locked(s, m);
    if (x == nullptr) break;
    if (!p->runq.push_tail(x)) {
      global_put_locked(s, x);
      break;
    }
  }
  return g;
}

G* global_get(P* p, M* m, std::int64_t max) noexcept {
  Sched& s = sched();
  if (global_empty(s)) return nullptr;
  LockGuard guard(s.lock);
  return global_get_locked(s, p, m, max);
}

// ---------------------------------------------------------------------------
// Ms.
// ---------------------------------------------------------------------------

void* m_main(void* arg);

void m_start(P* p, bool spinning) {
  Sched& s = sched();
  auto* m = new M;  // Ms live as long as the process
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
  m->park.store(1, std::memory_order_release);
  futex_wake(&m->park, 1);
}

// Sleeps until someone hands this M a P (and maybe a locked goroutine). When
// add_to_idle is false the M waits for its own locked goroutine.
void stopm(M* m, bool add_to_idle) {
  Sched& s = sched();
  if (add_to_idle) {
    LockGuard guard(s.lock);
    m->idle_link = s.midle;
    s.midle = m;
    ++s.nmidle;
  }
  for (;;) {
    std::uint32_t v = m->park.load(std::memory_order_acquire);
    if (v == 1) break;
    if (v == 2) {  // a timer wake-up meant for the timer sleeper we no longer are
      m->park.compare_exchange_strong(v, 0);
      continue;
    }
    futex_wait(&m->park, 0);
  }
  take_handed_p(m);
}

// After park == 1: take the P (and goroutine) whoever woke us handed over.
void take_handed_p(M* m) {
  m->park.store(0, std::memory_order_relaxed);
  P* p = m->nextp;
  m->nextp = nullptr;
  if (p != nullptr) acquire_p(m, p);
}

// Gives away a P whose M is about to block (a syscall, a locked goroutine's wait):
// to a new M if there is work for it, else to the idle list.
void handoffp(P* p) {
  Sched& s = sched();
  p->m = nullptr;
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

// Wakes an idle processor if no M is looking for work (Go's wakep).
void wakep() {
  Sched& s = sched();
  if (s.npidle.load(std::memory_order_relaxed) == 0) return;
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
    s.nmspinning.fetch_sub(1);
    return;
  }
  startm(p, true);
}

void reset_spinning(M* m) {
  m->spinning = false;
  sched().nmspinning.fetch_sub(1);
  wakep();  // we found work; there may be more for another spinner
}

// ---------------------------------------------------------------------------
// Stealing.
// ---------------------------------------------------------------------------

G* steal_from(P* p, P* victim, bool take_runnext) {
  std::int64_t n = victim->runq.size();
  if (n == 0) {
    if (!take_runnext) return nullptr;
    G* g = victim->runnext.load(std::memory_order_relaxed);
    if (g == nullptr) return nullptr;
    if (victim->status.load(std::memory_order_relaxed) == PStatus::running) {
      // The owner is probably about to switch to it (a ping-pong partner); give it
      // ~3 us first, as Go does, without a system call.
      for (int i = 0; i < 300; ++i) cpu_relax();
      if (victim->runnext.load(std::memory_order_relaxed) != g) return nullptr;
    }
    if (victim->runnext.compare_exchange_strong(g, nullptr, std::memory_order_acquire,
                                                std::memory_order_relaxed)) {
      return g;
    }
    return nullptr;
  }
  // Take half: one to run now, the rest into our deque.
  G* first = victim->runq.pop_head();
  if (first == nullptr) return nullptr;
  for (std::int64_t i = 1; i < (n + 1) / 2; ++i) {
    G* x = victim->runq.pop_head();
    if (x == nullptr) break;
    if (!p->runq.push_tail(x)) {
      runq_put_slow(p, x);
      break;
    }
  }
  return first;
}

G* steal_work(M* m, P* p) {
  Sched& s = sched();
  int n = s.gomaxprocs.load(std::memory_order_relaxed);
  int nall = s.nallp.load(std::memory_order_acquire);
  n = std::min(n, nall);
  if (n <= 1) return global_get(p, m, RunQueue::kCapacity / 2);
  for (int round = 0; round < kStealRounds; ++round) {
    bool last = round == kStealRounds - 1;
    // Visit every P once, from a random start with a stride coprime to n.
    auto r = static_cast<std::uint32_t>(wyrand(m->rng));
    int start = static_cast<int>(r % static_cast<std::uint32_t>(n));
    int stride = 1;
    for (int tries = 0; tries < 8; ++tries) {
      int cand = 1 + static_cast<int>((r >> 8) % static_cast<std::uint32_t>(n));
      if (std::gcd(cand, n) == 1) {
        stride = cand;
        break;
      }
      r = static_cast<std::uint32_t>(wyrand(m->rng));
    }
    for (int i = 0, idx = start; i < n; ++i, idx = (idx + stride) % n) {
      P* victim = s.allp[idx];
      if (victim == p || victim == nullptr) continue;
      if (victim->status.load(std::memory_order_relaxed) == PStatus::idle && victim->runq.empty()) {
        continue;
      }
      if (G* g = steal_from(p, victim, last)) return g;
    }
    if (last) {  // timers of idle or busy processors are everyone's business
      run_all_timers(nanotime());
      if (G* g = runq_get(p)) return g;
    }
    if (G* g = global_get(p, m, RunQueue::kCapacity / 2)) return g;
  }
  return nullptr;
}

// A P beyond gomaxprocs retires at its M's next scheduling point: its queued work
// goes to the global queue and its caches to the global pools.
void retire_p(M* m) {
  Sched& s = sched();
  P* p = m->p;
  m->p = nullptr;
  G* head = nullptr;
  G* tail = nullptr;
  std::int64_t n = 0;
  auto add = [&](G* g) {
    g->sched_link = nullptr;
    if (tail != nullptr) {
      tail->sched_link = g;
    } else {
      head = g;
    }
    tail = g;
    ++n;
  };
  if (G* g = runq_take_runnext(p)) add(g);
  while (G* g = runq_take_head(p)) add(g);
  stack_cache_flush(&p->stacks);
  {
    LockGuard guard(s.lock);
    if (n > 0) global_put_batch_locked(s, head, tail, n);
  }
  if (n > 0) wakep();  // the remaining processors may all be idle
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
  p->m = nullptr;
  p->status.store(PStatus::dead, std::memory_order_relaxed);
}

// Checks every queue after this M stopped spinning (the other half of the wakep
// protocol: a submitter that saw us spinning did not wake anyone). Returns an idle
// P to retry with, or nullptr.
P* recheck_after_spinning() {
  Sched& s = sched();
  bool work = !global_empty(s);
  int n = std::min(s.gomaxprocs.load(), s.nallp.load(std::memory_order_acquire));
  for (int i = 0; i < n && !work; ++i) {
    P* p = s.allp[i];
    work =
        p != nullptr && (!p->runq.empty() || p->runnext.load(std::memory_order_relaxed) != nullptr);
  }
  if (!work) return nullptr;
  LockGuard guard(s.lock);
  return pidle_get_locked(s);
}

void run_timers_if_due(TimerHeap* h, std::int64_t now) {
  std::int64_t min = h->min_when.load(std::memory_order_acquire);
  if (min != 0 && min <= now) run_timers(h, now);
}

// The timer sleeper's wait: on the idle list like stopm, but only until the earliest
// timer, or until timer_added() finds an earlier one. Returns true if the M was
// handed a P meanwhile.
bool timer_sleep(M* m) {
  Sched& s = sched();
  {
    LockGuard guard(s.lock);
    m->idle_link = s.midle;
    s.midle = m;
    ++s.nmidle;
  }
  s.sleep_until.store(0, std::memory_order_seq_cst);
  std::int64_t next = next_timer_when();
  s.sleep_until.store(next == 0 ? INT64_MAX : next, std::memory_order_seq_cst);
  for (;;) {
    std::uint32_t v = m->park.load(std::memory_order_acquire);
    if (v == 1) break;
    if (v == 2) {
      if (m->park.compare_exchange_strong(v, 0)) return leave_idle_list(m);
      continue;
    }
    std::int64_t now = nanotime();
    if (next != 0 && now >= next) return leave_idle_list(m);
    timespec ts{};
    if (next != 0) {
      // A little slack lets one wake-up serve timers that are due close together
      // (never early: only later by at most kTimerSlackNs).
      std::int64_t left = 0;
      if (__builtin_add_overflow(next - now, kTimerSlackNs, &left)) left = INT64_MAX;
      ts.tv_sec = static_cast<time_t>(left / 1'000'000'000);
      ts.tv_nsec = static_cast<long>(left % 1'000'000'000);
    }
    futex_wait(&m->park, 0, next != 0 ? &ts : nullptr);
  }
  take_handed_p(m);
  return true;
}

// Leaves the idle list after a timer wake-up, unless startm already took this M
// off it to hand it a P. Returns true in that case, once the P has arrived.
bool leave_idle_list(M* m) {
  Sched& s = sched();
  {
    LockGuard guard(s.lock);
    for (M** link = &s.midle; *link != nullptr; link = &(*link)->idle_link) {
      if (*link == m) {
        *link = m->idle_link;
        --s.nmidle;
        return false;
      }
    }
  }
  while (m->park.load(std::memory_order_acquire) != 1) futex_wait(&m->park, 0);
  take_handed_p(m);
  return true;
}

// An M without a P waits for one. While timers are pending, one idle M (the timer
// sleeper) waits only until the earliest of them and runs the due ones itself.
void idle(M* m) {
  Sched& s = sched();
  M* expected = nullptr;
  if (next_timer_when() == 0 || !s.timer_sleeper.compare_exchange_strong(expected, m)) {
    stopm(m, true);
    return;
  }
  bool got_p = timer_sleep(m);
  s.timer_sleeper.store(nullptr, std::memory_order_seq_cst);
  if (got_p) return;
  // Run the due timers as a spinner, so that the goroutines they ready do not wake
  // another M: this one is about to look for a P.
  m->spinning = true;
  s.nmspinning.fetch_add(1);
  run_all_timers(nanotime());
  {
    LockGuard guard(s.lock);
    if (P* p = pidle_get_locked(s)) {
      acquire_p(m, p);
      return;
    }
  }
  m->spinning = false;
  s.nmspinning.fetch_sub(1, std::memory_order_seq_cst);
  if (P* p = recheck_after_spinning()) {
    acquire_p(m, p);
    m->spinning = true;
    s.nmspinning.fetch_add(1);
  }
}

// Blocks until it can return a runnable G; the calling M then holds a P.
G* find_runnable(M* m) {
  Sched& s = sched();
  for (;;) {
    P* p = m->p;
    if (p == nullptr) {
      idle(m);
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
        s.nmspinning.fetch_sub(1);
        wakep();
      }
      continue;
    }
    if (p->schedtick % kGlobalQueuePollTicks == 0 && !global_empty(s)) {
      if (G* g = global_get(p, m, 1)) return g;
    }
    if (G* g = runq_get(p)) return g;
    if (G* g = global_get(p, m, RunQueue::kCapacity / 2)) return g;

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
      s.nmspinning.fetch_sub(1, std::memory_order_seq_cst);
      if (P* again = recheck_after_spinning()) {
        acquire_p(m, again);
        m->spinning = true;
        s.nmspinning.fetch_add(1);
        continue;
      }
    }
    idle(m);
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

void goroutine_trampoline_entry(void* arg);

// Gives g a stack and an initial frame the first time it runs.
void prepare_to_run(G* g, P* p) {
  if (g->sp == nullptr) {
    if (!g->stack) g->stack = stack_alloc(p != nullptr ? &p->stacks : nullptr);
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

void landed(G* self) {
  sanitizer_finish_switch(self->san);
  M* m = current_m();
  restore_eh(m, self);
  if (m->after.fn != nullptr) {
    auto a = m->after;
    m->after.fn = nullptr;
    a.fn(a.from, a.arg);
  }
}

// Switches from the running context `from` to `to` on the current M; `after` runs
// on `to`'s side. Returns when someone switches back to `from`.
void switch_to(M* m, G* from, G* to, AfterSwitchFn after, void* arg, bool from_dying = false) {
  m->after = {after, from, arg};
  m->curg = to;
  if (to->kind == G::Kind::goroutine) {
    if (to->status.exchange(GStatus::running, std::memory_order_relaxed) != GStatus::runnable) {
      fatal("runtime: switch to a goroutine that is not runnable");
    }
    if (P* p = m->p) ++p->schedtick;
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

// After-switch actions.
void after_push_parent(G* parent, void* /*arg*/) {
  M* m = current_m();
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
  commit->first(g, commit->second);
}

void after_exit(G* g, void* /*arg*/) {
  M* m = current_m();
  free_g(g, m->p);
}

// Hands g, locked to another M, and this M's P to that M, and wakes it (Go's
// startlockedm). The locked M sleeps in stoplockedm until this happens; this M
// goes on without a P.
void startlockedm(M* m, G* g) {
  M* lm = g->locked_m;
  if (lm == m) fatal("runtime: startlockedm: locked to me");
  P* p = m->p;
  m->p = nullptr;
  p->m = lm;
  lm->nextp = p;
  lm->park.store(1, std::memory_order_release);
  futex_wake(&lm->park, 1);
}

// The goroutine locked to m is not running: give m's P away and sleep until the
// goroutine is runnable again and someone hands m a P to run it on (Go's
// stoplockedm). Returns with m holding a P.
void stoplockedm(M* m) {
  if (P* p = m->p) {
    m->p = nullptr;
    handoffp(p);
  }
  stopm(m, false);
  if (m->p == nullptr) fatal("runtime: stoplockedm: woken without a P");
}

// A locked goroutine exited while locked: give the P away and let the thread end
// (m_main returns). Nothing refers to m any more: no G is locked to it, it is on
// no list, and its P is gone.
void drop_exiting_m(M* m) {
  if (P* p = m->p) {
    m->p = nullptr;
    handoffp(p);
  }
}

// The M's scheduler loop, on g0. Returns when the thread must end.
void schedule_loop(M* m) {
  for (;;) {
    G* g = std::exchange(m->start_locked, nullptr);
    if (g == nullptr) {
      g = find_runnable(m);
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
  tls_m = m;
  m->g0.kind = G::Kind::g0;
  m->g0.status.store(GStatus::running);
  m->curg = &m->g0;
  m->eh_globals = abi::__cxa_get_globals();
  m->signal_stack = install_signal_stack();
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
  // The thread ends with the goroutine that was locked to it.
  remove_signal_stack(m->signal_stack);
  tls_m = nullptr;
  delete m;
  return nullptr;
}

}  // namespace

// ---------------------------------------------------------------------------
// Runtime start.
// ---------------------------------------------------------------------------

constinit Sched g_sched;

int default_gomaxprocs() noexcept;

void set_gomaxprocs_locked(Sched& s, int n);

void ensure_started() noexcept {
  static const bool started = [] {
    Sched& s = sched();
    const char* policy = std::getenv("GOCXX_SPAWN");
    if (policy != nullptr && std::strcmp(policy, "parent_first") == 0) s.spawn_policy.store(1);
    install_crash_handlers();
    LockGuard guard(s.lock);
    set_gomaxprocs_locked(s, default_gomaxprocs());
    return true;
  }();
  (void)started;
}

void set_gomaxprocs_locked(Sched& s, int n) {
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

int set_gomaxprocs(int n) {
  ensure_started();
  Sched& s = sched();
  int old;
  {
    LockGuard guard(s.lock);
    old = s.gomaxprocs.load();
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
  self->thread_wake.store(0, std::memory_order_relaxed);
  commit(self, arg);
  // Spin briefly: the waker is often a goroutine about to hand over a value.
  for (int i = 0; i < 200; ++i) {
    if (self->thread_wake.load(std::memory_order_acquire) == 1) return;
    cpu_relax();
  }
  std::uint32_t expected = 0;
  if (self->thread_wake.compare_exchange_strong(expected, 2, std::memory_order_acquire)) {
    while (self->thread_wake.load(std::memory_order_acquire) != 1) {
      futex_wait(&self->thread_wake, 2);
    }
  }
}

void thread_unpark(G* g) {
  if (g->thread_wake.exchange(1, std::memory_order_release) == 2) {
    futex_wake(&g->thread_wake, 1);
  }
}

}  // namespace

void park(ParkCommit commit, void* arg, const char* wait_reason) {
  M* m = current_m();
  if (m == nullptr) {
    thread_park(current_g(), commit, arg);
    return;
  }
  G* self = m->curg;
  if (self->kind == G::Kind::g0) fatal("runtime: blocking operation on the scheduler stack");
  self->wait_reason = wait_reason;
  self->status.store(GStatus::waiting, std::memory_order_relaxed);
  G* next = self->locked_m == nullptr ? take_local_direct(m) : nullptr;
  if (next != nullptr) prepare_to_run(next, m->p);
  std::pair<ParkCommit, void*> c{commit, arg};
  switch_to(m, self, next != nullptr ? next : &m->g0, after_park, &c);
}

void ready(G* g) {
  if (g->kind == G::Kind::thread) {
    thread_unpark(g);
    return;
  }
  Sched& s = sched();
  GStatus was = g->status.exchange(GStatus::runnable, std::memory_order_relaxed);
  if (was != GStatus::waiting) fatal("runtime: bad goroutine status in ready");
  M* m = current_m();
  if (m != nullptr && m->p != nullptr && !s.migrate_every_switch.load(std::memory_order_relaxed)) {
    runq_put(m->p, g, true);
  } else {
    LockGuard guard(s.lock);
    global_put_locked(s, g);
  }
  wakep();
}

void ready_list(G* head) {
  // Goroutines go to the global queue in one batch; threads are woken one by one.
  Sched& s = sched();
  G* ghead = nullptr;
  G* gtail = nullptr;
  std::int64_t n = 0;
  while (head != nullptr) {
    G* g = head;
    head = head->sched_link;
    if (g->kind == G::Kind::thread) {
      thread_unpark(g);
      continue;
    }
    g->sched_link = nullptr;
    if (gtail != nullptr) {
      gtail->sched_link = g;
    } else {
      ghead = g;
    }
    gtail = g;
    ++n;
  }
  if (n == 0) return;
  if (n == 1) {
    ready(ghead);
    return;
  }
  for (G* g = ghead; g != nullptr; g = g->sched_link) {
    if (g->status.exchange(GStatus::runnable, std::memory_order_relaxed) != GStatus::waiting) {
      fatal("runtime: bad goroutine status in ready");
    }
  }
  {
    LockGuard guard(s.lock);
    global_put_batch_locked(s, ghead, gtail, n);
  }
  // Wake as many idle processors as there is work for; each spinner wakes the next.
  wakep();
}

TimerHeap* local_timer_heap() noexcept {
  ensure_started();
  M* m = current_m();
  if (m != nullptr && m->p != nullptr) return &m->p->timers;
  return &sched().allp[0]->timers;
}

void timer_added(std::int64_t when) noexcept {
  Sched& s = sched();
  full_barrier();  // the heap's new minimum before the sleeper check (timer_sleep's mirror)
  if (M* sleeper = s.timer_sleeper.load(std::memory_order_seq_cst)) {
    std::int64_t until = s.sleep_until.load(std::memory_order_seq_cst);
    if (until == 0 || when < until) {
      std::uint32_t expected = 0;
      if (sleeper->park.compare_exchange_strong(expected, 2)) futex_wake(&sleeper->park, 1);
    }
    return;
  }
  // Nobody sleeps on timers. A running M checks its own heap as it schedules (and
  // becomes the sleeper when it idles), so only a timer added from outside (a plain
  // thread, an M without a P) needs an idle M woken to look.
  M* m = current_m();
  if (m == nullptr || m->p == nullptr) wakep();
}

std::int64_t next_timer_when() noexcept {
  Sched& s = sched();
  std::int64_t next = 0;
  int n = s.nallp.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i) {
    std::int64_t w = s.allp[i]->timers.min_when.load(std::memory_order_acquire);
    if (w != 0 && (next == 0 || w < next)) next = w;
  }
  return next;
}

void run_all_timers(std::int64_t now) {
  Sched& s = sched();
  int n = s.nallp.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i) run_timers_if_due(&s.allp[i]->timers, now);
}

bool debug_local_queue(std::uint64_t* ids, int max, int* count, std::uint64_t* runnext) {
  M* m = current_m();
  if (m == nullptr || m->p == nullptr) return false;
  G* buf[RunQueue::kCapacity];
  int n = m->p->runq.snapshot(buf, std::min<int>(max, RunQueue::kCapacity));
  for (int i = 0; i < n; ++i) ids[i] = buf[i]->id;
  *count = n;
  G* rn = m->p->runnext.load();
  *runnext = rn != nullptr ? static_cast<std::uint64_t>(rn->id) : 0;
  return true;
}

// ---------------------------------------------------------------------------
// Goroutine life cycle.
// ---------------------------------------------------------------------------

namespace {

std::uint64_t next_goid(P* p) {
  Sched& s = sched();
  if (p == nullptr) return s.goid_gen.fetch_add(1);
  if (p->goid_next == p->goid_end) {
    p->goid_next = s.goid_gen.fetch_add(kGoidBatch);
    p->goid_end = p->goid_next + kGoidBatch;
  }
  return p->goid_next++;
}

G* alloc_g(P* p) {
  Sched& s = sched();
  if (p != nullptr && p->gfree != nullptr) {
    G* g = p->gfree;
    p->gfree = g->sched_link;
    --p->ngfree;
    return g;
  }
  {
    LockGuard guard(s.gfree_lock);
    if (s.gfree != nullptr) {
      G* g = s.gfree;
      s.gfree = g->sched_link;
      --s.ngfree;
      return g;
    }
  }
  auto* g = new G;
  LockGuard guard(s.allg_lock);
  g->all_link = s.allg;
  s.allg = g;
  return g;
}

void release_task(G* g) noexcept {
  if (g->task_heap != nullptr) {
    ::operator delete (g->task_heap, std::align_val_t{alignof(std::max_align_t)});
    g->task_heap = nullptr;
  }
  g->task = nullptr;
  g->task_ops = nullptr;
}

}  // namespace

void free_g(G* g, P* p) {
  Sched& s = sched();
  if (g->status.exchange(GStatus::idle, std::memory_order_relaxed) == GStatus::idle) {
    fatal("runtime: goroutine freed twice");
  }
  // Atomic because another processor may still be prefetching through a stale
  // run-queue entry (prefetch_upcoming).
  std::atomic_ref<void*>(g->sp).store(nullptr, std::memory_order_relaxed);
  g->locked_m = nullptr;
  g->lock_count = 0;
  g->avoid_m = nullptr;
  g->eh = {};
  sanitizer_destroy(g->san);
  if (g->stack) {
    stack_free(p != nullptr ? &p->stacks : nullptr, g->stack);
    g->stack = {};
  }
  if (p != nullptr && p->ngfree < kMaxLocalFreeG) {
    g->sched_link = p->gfree;
    p->gfree = g;
    ++p->ngfree;
    return;
  }
  LockGuard guard(s.gfree_lock);
  g->sched_link = s.gfree;
  s.gfree = g;
  ++s.ngfree;
}

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

G* new_g(std::size_t task_size, std::size_t task_align, void** storage) {
  ensure_started();
  M* m = current_m();
  P* p = m != nullptr ? m->p : nullptr;
  G* g = alloc_g(p);
  g->id = next_goid(p);
  g->kind = G::Kind::goroutine;
  g->wait_reason = "";
  if (task_size <= kInlineTaskSize && task_align <= 16) {
    g->task = g->task_inline;
  } else {
    g->task_heap = ::operator new (
        task_size, std::align_val_t{std::max(task_align, alignof(std::max_align_t))});
    g->task = g->task_heap;
  }
  *storage = g->task;
  return g;
}

void discard_g(G* g) noexcept {
  release_task(g);
  M* m = current_m();
  free_g(g, m != nullptr ? m->p : nullptr);
}

void start_g(G* g, const detail::TaskOps* ops, void* creator_pc) {
  Sched& s = sched();
  G* self = current_g();
  M* m = current_m();
  P* p = m != nullptr ? m->p : nullptr;
  g->task_ops = ops;
  g->parent_id = self->kind == G::Kind::goroutine ? static_cast<std::uint64_t>(self->id) : 0;
  g->creator_pc = creator_pc;
  g->status.store(GStatus::runnable, std::memory_order_relaxed);
  if (p != nullptr) {
    p->goroutines.fetch_add(1, std::memory_order_relaxed);
  } else {
    s.goroutines_no_p.fetch_add(1, std::memory_order_relaxed);
  }
  bool migrate = s.migrate_every_switch.load(std::memory_order_relaxed);
  if (p != nullptr && self->kind == G::Kind::goroutine && self->locked_m == nullptr && !migrate &&
      s.spawn_policy.load(std::memory_order_relaxed) == 0 &&
      p->id < s.gomaxprocs.load(std::memory_order_relaxed)) {
    // Child first: run the child now; the parent's continuation goes to the tail
    // of this processor's deque, where a thief may take it (the seed's rule 1).
    prepare_to_run(g, p);
    self->status.store(GStatus::runnable, std::memory_order_relaxed);
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
  throw GoexitSignal{};
}

std::int64_t count_goroutines() noexcept {
  Sched& s = sched();
  std::int64_t n = s.goroutines_no_p.load(std::memory_order_relaxed);
  int nall = s.nallp.load(std::memory_order_acquire);
  for (int i = 0; i < nall; ++i) n += s.allp[i]->goroutines.load(std::memory_order_relaxed);
  return n;
}

void lock_thread() {
  G* self = current_g();
  if (self->kind != G::Kind::goroutine) return;  // a plain thread is its own thread
  if (self->lock_count == UINT32_MAX) throw Panic("LockOSThread nesting overflow");
  M* m = current_m();
  if (self->lock_count++ == 0) {
    self->locked_m = m;
    m->locked_g = self;
  } else if (self->locked_m != m || m->locked_g != self) {
    fatal("runtime: locked goroutine running on another thread");
  }
}

// As Go's UnlockOSThread: more unlocks than locks are ignored.
void unlock_thread() {
  G* self = current_g();
  if (self->kind != G::Kind::goroutine || self->lock_count == 0) return;
  if (--self->lock_count == 0) {
    current_m()->locked_g = nullptr;
    self->locked_m = nullptr;
  }
}

// Go's entersyscall/exitsyscall, simplified to an immediate hand-off of the P.
bool enter_blocking() {
  G* self = current_g();
  if (self->kind != G::Kind::goroutine) return false;
  M* m = current_m();
  P* p = m->p;
  if (p == nullptr) return false;
  self->status.store(GStatus::syscall, std::memory_order_relaxed);
  self->wait_reason = "syscall";
  m->p = nullptr;
  handoffp(p);
  return true;
}

namespace {
void after_exit_blocking(G* g, void* /*arg*/) {
  Sched& s = sched();
  g->status.store(GStatus::runnable, std::memory_order_relaxed);
  {
    LockGuard guard(s.lock);
    global_put_locked(s, g);
  }
  wakep();
}
}  // namespace

void exit_blocking() {
  Sched& s = sched();
  G* self = current_g();
  M* m = current_m();
  if (m->p != nullptr) {  // the region parked and resumed on an M that has a P
    self->status.store(GStatus::running, std::memory_order_relaxed);
    return;
  }
  P* p = nullptr;
  {
    LockGuard guard(s.lock);
    p = pidle_get_locked(s);
  }
  if (p != nullptr) {
    acquire_p(m, p);
    self->status.store(GStatus::running, std::memory_order_relaxed);
    return;
  }
  // No processor free: queue ourselves and let this M sleep (its g0 loop stops it).
  // A locked goroutine is handed back to this very M by whoever dequeues it.
  switch_to(m, self, &m->g0, after_exit_blocking, nullptr);
}

std::uint64_t claim_main_goid() {
  static std::atomic<bool> claimed{false};
  if (!claimed.exchange(true)) return 1;
  return 0;
}

}  // namespace gocxx::rt
