// Run queues: a processor's runnext slot and deque (their hot paths are inline in
// sched.hpp), the global queue, the idle-P list, and stealing.
//
// The deque's owner takes from the tail under child_first (continuation stealing:
// the newest continuation first) and from the head under parent_first (Go's FIFO);
// thieves always take from the head, half a victim's queue at a time. A full deque
// moves half of itself to the global queue (Go's runqputslow), so a burst of spawns
// spreads to other processors. The global queue and the idle-P list are guarded by
// sched().lock; the _locked functions check it in debug builds.
#include <time.h>

#include <algorithm>
#include <numeric>

#include "futex.hpp"
#include "sched.hpp"

namespace gocxx::rt {

namespace {

constexpr int kStealRounds = 4;

G* global_pop_locked(Sched& s, M* m) noexcept GOCXX_REQUIRES(s.lock) {
  s.lock.assert_held();
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

}  // namespace

// ---------------------------------------------------------------------------
// The global queue (sched().lock held).
// ---------------------------------------------------------------------------

// ---------------------------------------------------------------------------
// ---------------------------------------------------------------------------
// Global queue (sched().lock held).
// ---------------------------------------------------------------------------

void global_put_locked(Sched& s, G* g) noexcept {
  global_put_batch_locked(s, g, g, 1);
}

void global_put_batch_locked(Sched& s, G* head, G* tail, std::int64_t n) noexcept {
  s.lock.assert_held();
  tail->sched_link = nullptr;
  if (s.runq_tail != nullptr) {
    s.runq_tail->sched_link = head;
  } else {
    s.runq_head = head;
  }
  s.runq_tail = tail;
  s.runq_size.fetch_add(n, std::memory_order_relaxed);
}

bool global_put_batch(const GBatch& b) noexcept {
  if (b.n == 0) return false;
  Sched& s = sched();
  LockGuard guard(s.lock);
  global_put_batch_locked(s, b.head, b.tail, b.n);
  return true;
}

G* global_get_locked(Sched& s, P* p, M* m, std::int64_t max) noexcept {
  s.lock.assert_held();
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
// The idle-P list (sched().lock held).
// ---------------------------------------------------------------------------

// ---------------------------------------------------------------------------
// Idle P and M lists (sched().lock held).
// ---------------------------------------------------------------------------

void pidle_put_locked(Sched& s, P* p) noexcept {
  s.lock.assert_held();
  std::atomic_ref<M*>(p->m).store(nullptr, std::memory_order_relaxed);  // stall.cpp reads it
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
  s.lock.assert_held();
  P* p = s.pidle;
  if (p == nullptr) return nullptr;
  s.pidle = p->idle_link;
  p->idle_link = nullptr;
  if (s.npidle.fetch_sub(1, std::memory_order_seq_cst) <= 0) fatal("runtime: negative npidle");
  p->status.store(PStatus::running, std::memory_order_relaxed);
  return p;
}

// ---------------------------------------------------------------------------
// The local deque's cold paths.
// ---------------------------------------------------------------------------

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

G* runq_take_head(P* p) noexcept {
  while (!p->runq.empty()) {
    if (G* g = p->runq.pop_head()) return g;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------
// Stealing.
// ---------------------------------------------------------------------------

namespace {

G* steal_from(P* p, P* victim, bool take_runnext) {
  std::int64_t n = victim->runq.size();
  if (n == 0) {
    if (!take_runnext) return nullptr;
    G* g = victim->runnext.load(std::memory_order_relaxed);
    if (g == nullptr) return nullptr;
    if (victim->status.load(std::memory_order_relaxed) == PStatus::running) {
      // The owner is probably about to switch to it (a ping-pong partner, or a
      // pipeline stage it feeds): give it time first, as Go does, by sleeping
      // rather than spinning. The sleep asks for 3 us and lasts the kernel's timer
      // slack (~50 us); a thief that spins through the same wait slows the owner
      // (B10 with one finder at P=2: 215 ms spinning, 184 ms sleeping). If the
      // owner switched goroutines meanwhile, it is serving its runnext (runq_get
      // takes it first), and a runnext that holds g again is the next turn of a
      // ping-pong: moving one partner to this processor would make every turn a
      // cross-processor wake-up. Only a runnext left waiting is taken.
      std::uint64_t tick = victim->schedtick;
      struct timespec pause = {0, 3000};
      nanosleep(&pause, nullptr);
      if (victim->runnext.load(std::memory_order_relaxed) != g || victim->schedtick != tick) {
        return nullptr;
      }
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

}  // namespace

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

// The other half of the wakep protocol: a submitter that saw this M spinning did
// not wake anyone, so after it stops spinning it checks every queue once more.
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

}  // namespace gocxx::rt
