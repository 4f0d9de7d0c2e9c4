#include "timer.hpp"

#include <time.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <utility>

#include "chan_internal.hpp"
#include "futex.hpp"
#include "gocxx/detail/bubble.hpp"
#include "sched.hpp"
#include "synctest.hpp"

namespace gocxx::rt {

std::int64_t deadline_after(std::int64_t d) noexcept {
  // In a bubble, on its clock.
  std::int64_t now = detail::g_bubbles_alive.load(std::memory_order_relaxed) != 0
                         ? bubble_nanotime(current_bubble())
                         : nanotime();
  if (d <= 0) return now;
  if (d > INT64_MAX - now) return INT64_MAX;
  return now + d;
}

namespace {
std::atomic<std::int64_t> g_live_timers{0};
}  // namespace

Timer::Timer() noexcept {
  g_live_timers.fetch_add(1, std::memory_order_relaxed);
}
Timer::~Timer() {
  g_live_timers.fetch_sub(1, std::memory_order_relaxed);
}
std::int64_t live_timers() noexcept {
  return g_live_timers.load(std::memory_order_relaxed);
}

void timer_retain(Timer* t) noexcept {
  t->refs.fetch_add(1, std::memory_order_relaxed);
}

void timer_release(Timer* t) noexcept {
  if (t->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  if (t->destroy_arg != nullptr) t->destroy_arg(t->arg);
  delete t;
}

namespace {

// --- the 4-ary heap (heap.mu held) ---------------------------------------------

constexpr std::size_t kArity = 4;

void heap_place(TimerHeap* h, std::size_t i, TimerHeap::Entry e) noexcept GOCXX_REQUIRES(h->mu) {
  h->heap[i] = e;
  e.t->heap_index = static_cast<int>(i);
}

void sift_up(TimerHeap* h, std::size_t i) noexcept GOCXX_REQUIRES(h->mu) {
  TimerHeap::Entry e = h->heap[i];
  while (i > 0) {
    std::size_t parent = (i - 1) / kArity;
    if (h->heap[parent].when <= e.when) break;
    heap_place(h, i, h->heap[parent]);
    i = parent;
  }
  heap_place(h, i, e);
}

void sift_down(TimerHeap* h, std::size_t i) noexcept GOCXX_REQUIRES(h->mu) {
  std::size_t n = h->heap.size();
  TimerHeap::Entry e = h->heap[i];
  for (;;) {
    std::size_t first = i * kArity + 1;
    if (first >= n) break;
    std::size_t best = first;
    std::size_t last = std::min(first + kArity, n);
    for (std::size_t c = first + 1; c < last; ++c) {
      if (h->heap[c].when < h->heap[best].when) best = c;
    }
    if (h->heap[best].when >= e.when) break;
    heap_place(h, i, h->heap[best]);
    i = best;
  }
  heap_place(h, i, e);
}

void publish_min(TimerHeap* h) noexcept GOCXX_REQUIRES(h->mu) {
  h->min_when.store(h->heap.empty() ? 0 : h->heap[0].when, std::memory_order_release);
}

void heap_erase_at(TimerHeap* h, std::size_t i) noexcept GOCXX_REQUIRES(h->mu) {
  TimerHeap::Entry last = h->heap.back();
  h->heap.pop_back();
  if (i < h->heap.size()) {
    heap_place(h, i, last);
    sift_up(h, i);
    sift_down(h, static_cast<std::size_t>(last.t->heap_index));
  }
  publish_min(h);
}

// --- a timer's place in a heap (t->mu held) ---------------------------------------

// While a timer sits in a heap the heap holds a reference to it and, for a channel
// timer, to its channel: whoever pops it may still be sending to that channel after
// every receiver has given up on it.
void take_heap_refs(Timer* t) noexcept {
  timer_retain(t);
  if (t->is_chan()) detail::chan_retain(t->chan);
}

void drop_heap_refs(Timer* t) noexcept {
  if (t->is_chan()) detail::chan_release(t->chan);  // may drop the channel's timer reference
  timer_release(t);
}

// Removes t from its heap, if it is in one.
void heap_remove(Timer* t) noexcept {
  TimerHeap* h = t->heap.load(std::memory_order_acquire);
  if (h == nullptr) return;
  bool removed = false;
  {
    LockGuard guard(h->mu);
    if (t->heap.load(std::memory_order_relaxed) == h) {  // not popped meanwhile
      heap_erase_at(h, static_cast<std::size_t>(t->heap_index));
      t->heap_index = -1;
      t->heap.store(nullptr, std::memory_order_release);
      removed = true;
    }
  }
  if (removed) drop_heap_refs(t);
}

// Puts t in a heap at t->when, or moves it there if it already is in one.
void heap_set(Timer* t) noexcept GOCXX_REQUIRES(t->mu) {
  TimerHeap* h = t->heap.load(std::memory_order_acquire);
  if (h != nullptr) {
    LockGuard guard(h->mu);
    if (t->heap.load(std::memory_order_relaxed) == h) {
      auto i = static_cast<std::size_t>(t->heap_index);
      h->heap[i].when = t->when;
      sift_up(h, i);
      sift_down(h, static_cast<std::size_t>(t->heap_index));
      publish_min(h);
      if (t->bubble == nullptr) timer_added(t->when);
      return;
    }
  }
  h = t->bubble != nullptr ? &t->bubble->timers : local_timer_heap();
  take_heap_refs(t);
  {
    LockGuard guard(h->mu);
    h->heap.push_back({t->when, t});
    t->heap_index = static_cast<int>(h->heap.size() - 1);
    sift_up(h, h->heap.size() - 1);
    t->heap.store(h, std::memory_order_release);
    publish_min(h);
  }
  if (t->bubble == nullptr) timer_added(t->when);  // a bubble's driver runs its own
}

// Whether t needs a heap: function and sleep timers always; channel timers only
// while a receiver is blocked on the channel (Go 1.23).
bool wants_heap(const Timer* t) noexcept GOCXX_REQUIRES(t->mu) {
  return t->when > 0 && (!t->is_chan() || t->blocked > 0);
}

// Discards a value sitting in a channel timer's buffer.
bool drain(Timer* t) {
  detail::ElemSlot<std::chrono::steady_clock::time_point> slot;
  return chan_recv_core(t->chan, slot.raw(), false) == detail::TryRecv::received;
}

// Fires t, due at t->when, now. t->mu held on entry; released on return.
void fire_locked(Timer* t, std::int64_t now) GOCXX_RELEASE(t->mu) {
  std::int64_t due = t->when;
  if (t->period > 0) {
    // Missed ticks are skipped, not queued: the next tick is the first one after now.
    std::int64_t missed = (now - due) / t->period;
    std::int64_t step = 0;
    std::int64_t next = 0;
    if (__builtin_mul_overflow(t->period, missed + 1, &step) ||
        __builtin_add_overflow(due, step, &next)) {
      next = INT64_MAX;  // past the end of time: never again
    }
    t->when = next;
    if (wants_heap(t)) heap_set(t);
  } else {
    t->when = 0;
  }
  if (t->is_chan()) {
    t->fn(t, t->arg, due);  // under mu: orders the send against stop/reset
    t->mu.unlock();
  } else {
    t->mu.unlock();
    t->fn(t, t->arg, due);
  }
}

// Fires a timer just popped from a heap, unless it was changed since.
void fire_popped(Timer* t, std::int64_t now) {
  t->mu.lock();
  if (t->heap.load(std::memory_order_acquire) != nullptr || t->when == 0 || t->when > now) {
    t->mu.unlock();  // stopped, reset, or re-added after we popped it
    return;
  }
  fire_locked(t, now);
}

}  // namespace

bool timer_modify(Timer* t, std::int64_t when, std::int64_t period) {
  t->mu.lock();
  bool pending = t->when > 0;
  ++t->seq;
  t->when = when;
  t->period = period;
  if (t->is_chan() && t->period == 0 && drain(t)) pending = true;
  if (t->is_chan() && t->period > 0) drain(t);
  // A bubble's timer that is already due fires now, without waiting for the
  // bubble to block (Go's synctest: a zero-delay timer's channel is ready at once).
  if (t->bubble != nullptr && when > 0 && when <= bubble_nanotime(t->bubble)) [[unlikely]] {
    heap_remove(t);
    fire_locked(t, bubble_nanotime(t->bubble));
    return pending;
  }
  if (wants_heap(t)) {
    heap_set(t);
  } else {
    heap_remove(t);
  }
  t->mu.unlock();
  return pending;
}

bool timer_stop(Timer* t) {
  t->mu.lock();
  bool pending = t->when > 0;
  ++t->seq;
  t->when = 0;
  heap_remove(t);
  if (t->is_chan() && drain(t) && t->period == 0) pending = true;
  t->mu.unlock();
  return pending;
}

void chan_timer_maybe_run(Timer* t) {
  t->mu.lock();
  if (t->when > 0) {
    std::int64_t now = t->bubble != nullptr ? bubble_nanotime(t->bubble) : nanotime();
    if (t->when <= now) {
      heap_remove(t);
      fire_locked(t, now);
      return;
    }
  }
  t->mu.unlock();
}

void chan_timer_block(Timer* t) {
  LockGuard guard(t->mu);
  ++t->blocked;
  if (wants_heap(t)) heap_set(t);
}

void chan_timer_unblock(Timer* t) {
  LockGuard guard(t->mu);
  if (--t->blocked == 0) heap_remove(t);
}

std::int64_t run_timers(TimerHeap* h, std::int64_t now) {
  for (;;) {
    Timer* t = nullptr;
    {
      LockGuard guard(h->mu);
      if (h->heap.empty()) return 0;
      if (h->heap[0].when > now) return h->heap[0].when;
      t = h->heap[0].t;
      heap_erase_at(h, 0);
      // heap_index first: once t->heap is null, a heap_set under t->mu (which this
      // thread does not hold) may put t in another heap and set its index.
      t->heap_index = -1;
      t->heap.store(nullptr, std::memory_order_release);
    }
    fire_popped(t, now);
    drop_heap_refs(t);
  }
}

void sleep_ns(std::int64_t ns) {
  if (ns <= 0) return;
  std::int64_t when = deadline_after(ns);
  G* self = current_g();
  if (self->kind != G::Kind::goroutine) {
    // A plain thread: sleep on the monotonic clock until the absolute deadline.
    timespec ts{static_cast<time_t>(when / 1'000'000'000), static_cast<long>(when % 1'000'000'000)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
    }
    return;
  }
  if (self->sleep_timer == nullptr) {
    auto* t = new Timer;
    t->fn = [](Timer*, void* arg, std::int64_t) { ready(static_cast<G*>(arg)); };
    t->arg = self;
    self->sleep_timer = t;
  }
  // A G is reused across bubbles: the timer follows this sleep's goroutine.
  self->sleep_timer->bubble = self->bubble;
  if (self->bubble != nullptr) self->durable_park = true;
  struct Arm {
    Timer* t;
    std::int64_t when;
  } arm{self->sleep_timer, when};
  // The timer is armed only once this goroutine is parked, so even a due timer
  // cannot ready it before it sleeps (Go's resetForSleep).
  park(
      [](G*, void* a) {
        auto* x = static_cast<Arm*>(a);
        timer_modify(x->t, x->when, 0);
      },
      &arm, "sleep");
}

// ---------------------------------------------------------------------------
// The scheduler's timer glue. Every P's heap is run by its M as it schedules;
// when every M is idle, one of them (the idle sleeper) sleeps only until the
// earliest timer of any heap, and timer_added() wakes it early when an earlier
// timer arrives. Once the network poller is in use, it sleeps in the poller
// (netpoll.cpp), so that a descriptor becoming ready wakes it too.
// ---------------------------------------------------------------------------

namespace {

constexpr std::int64_t kTimerSlackNs = 50'000;  // the timer sleeper's coalescing window

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
  while (m->park.load(std::memory_order_acquire) != MPark::handed_p) m->park.wait(MPark::asleep);
  take_handed_p(m);
  return true;
}

}  // namespace

void run_timers_if_due(TimerHeap* h, std::int64_t now) {
  std::int64_t min = h->min_when.load(std::memory_order_acquire);
  if (min != 0 && min <= now) run_timers(h, now);
}

// On the idle list like stopm, but only until the earliest timer, or until
// timer_added() finds an earlier one.
bool timer_sleep(M* m) {
  Sched& s = sched();
  {
    LockGuard guard(s.lock);
    m->idle_link = s.midle;
    s.midle = m;
    ++s.nmidle;
  }
  s.nm_waiting.fetch_add(1, std::memory_order_acq_rel);
  struct Waiting {
    ~Waiting() { sched().nm_waiting.fetch_sub(1, std::memory_order_acq_rel); }
  } waiting;
  s.sleep_until.store(0, std::memory_order_seq_cst);
  std::int64_t next = next_timer_when();
  s.sleep_until.store(next == 0 ? INT64_MAX : next, std::memory_order_seq_cst);
  for (;;) {
    MPark v = m->park.load(std::memory_order_acquire);
    if (v == MPark::handed_p) break;
    if (v == MPark::timer_wake) {
      if (m->park.compare_exchange(v, MPark::asleep)) return leave_idle_list(m);
      continue;
    }
    std::int64_t now = nanotime();
    if (next != 0 && now >= next) return leave_idle_list(m);
    // A little slack lets one wake-up serve timers that are due close together
    // (never early: only later by at most kTimerSlackNs).
    std::int64_t left = -1;  // no timer: until woken
    if (next != 0 && __builtin_add_overflow(next - now, kTimerSlackNs, &left)) left = INT64_MAX;
    if (netpoll_inited()) {
      // Sleep in the poller: descriptors becoming ready wake us too.
      if (G* polled = netpoll(left)) {
        m->polled = polled;
        return leave_idle_list(m);
      }
      continue;
    }
    timespec ts{};
    if (left >= 0) {
      ts.tv_sec = static_cast<time_t>(left / 1'000'000'000);
      ts.tv_nsec = static_cast<long>(left % 1'000'000'000);
    }
    m->park.wait(MPark::asleep, left >= 0 ? &ts : nullptr);
  }
  take_handed_p(m);
  return true;
}

TimerHeap* local_timer_heap() noexcept {
  ensure_started();
  M* m = current_m();
  if (m != nullptr && m->p != nullptr) return &m->p->timers;
  return &sched().allp[0]->timers;
}

namespace {
void wake_sleeper(M* sleeper) noexcept {
  if (sleeper->park.compare_exchange(MPark::asleep, MPark::timer_wake)) {
    sleeper->park.wake(1);
    netpoll_break();  // in case it sleeps in the poller
  }
}
}  // namespace

void wake_idle_sleeper() noexcept {
  if (M* sleeper = sched().timer_sleeper.load(std::memory_order_seq_cst)) wake_sleeper(sleeper);
}

void timer_added(std::int64_t when) noexcept {
  Sched& s = sched();
  full_barrier();  // the heap's new minimum before the sleeper check (timer_sleep's mirror)
  if (M* sleeper = s.timer_sleeper.load(std::memory_order_seq_cst)) {
    std::int64_t until = s.sleep_until.load(std::memory_order_seq_cst);
    if (until == 0 || when < until) wake_sleeper(sleeper);
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

std::int64_t user_timers_in_heaps() noexcept {
  Sched& s = sched();
  std::int64_t n = 0;
  int nall = s.nallp.load(std::memory_order_acquire);
  for (int i = 0; i < nall; ++i) {
    TimerHeap& h = s.allp[i]->timers;
    LockGuard guard(h.mu);
    for (const TimerHeap::Entry& e : h.heap) n += e.t->internal ? 0 : 1;
  }
  return n;
}

bool any_user_timer_in_heaps() noexcept {
  Sched& s = sched();
  int nall = s.nallp.load(std::memory_order_acquire);
  for (int i = 0; i < nall; ++i) {
    TimerHeap& h = s.allp[i]->timers;
    if (h.min_when.load(std::memory_order_acquire) == 0) continue;
    LockGuard guard(h.mu);
    for (const TimerHeap::Entry& e : h.heap) {
      if (!e.t->internal) return true;
    }
  }
  return false;
}

void run_all_timers(std::int64_t now) {
  Sched& s = sched();
  int n = s.nallp.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i) run_timers_if_due(&s.allp[i]->timers, now);
}

}  // namespace gocxx::rt
