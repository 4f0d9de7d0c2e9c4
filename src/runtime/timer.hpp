// Runtime timers (Go's runtime/time.go, 1.23 semantics).
//
// Every P owns a 4-ary min-heap of timers. A P's M runs the expired timers of its
// heap as part of scheduling; idle Ms run everyone's. When every M is idle, one of
// them (the *timer sleeper*) sleeps on its futex exactly until the earliest timer
// of any heap, and is woken early when an earlier timer is added. So pending timers
// cost no CPU while they wait.
//
// Locks: a timer's own `mu` orders everything that changes it (start, stop, reset,
// firing). The order is timer.mu -> heap.mu and timer.mu -> channel lock; a heap
// lock is never held while taking a timer lock (the firing path pops the timer,
// releases the heap, then locks the timer and re-checks it).
//
// Channel timers (time::Timer, time::Ticker, time::after, time::tick) follow Go 1.23:
// they sit in a heap only while a receiver is blocked on their channel; a receiver
// that looks at the channel first runs the timer if it is due. So an unreferenced
// timer costs nothing and is freed with its channel, stop/reset discard a value
// nobody received, and no stale value is ever received after they return.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "clock.hpp"
#include "gocxx/detail/chan_core.hpp"
#include "lock.hpp"

namespace gocxx::rt {

struct Bubble;
struct G;
struct P;
struct TimerHeap;

// Adds d to now without overflowing: the result is capped at INT64_MAX ("never").
std::int64_t deadline_after(std::int64_t d) noexcept;

struct Timer;
// What firing does. `due` is the instant the timer was due. Channel timers' function
// runs with t->mu held (that is what makes stop/reset exact); the others' without.
using TimerFn = void (*)(Timer* t, void* arg, std::int64_t due);

// Timers alive (for tests: unreferenced timers must be released).
std::int64_t live_timers() noexcept;
// For tests: timers waiting in some heap, the runtime's own (stack scavenging)
// not counted.
std::int64_t user_timers_in_heaps() noexcept;
// Whether some heap holds a timer that is not the runtime's own (stops at the
// first: the deadlock check asks while 100,000 sleepers may be waiting).
bool any_user_timer_in_heaps() noexcept;

struct Timer {
  Timer() noexcept;
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  Lock mu;
  std::int64_t when GOCXX_GUARDED_BY(mu) = 0;    // due time; 0 = not active
  std::int64_t period GOCXX_GUARDED_BY(mu) = 0;  // > 0: fires every period (a ticker)
  std::uint64_t seq GOCXX_GUARDED_BY(mu) = 0;    // bumped by every start/stop
  int blocked GOCXX_GUARDED_BY(mu) = 0;          // channel timers: receivers parked on the chan
  TimerFn fn = nullptr;
  void* arg = nullptr;
  void (*destroy_arg)(void* arg) = nullptr;  // frees arg with the timer
  detail::ChanCore* chan = nullptr;          // channel timers: where values go (not owned)
  bool internal = false;                     // the runtime's own (user_timers_in_heaps)
  // A bubble's timer: on the bubble's fake clock and in its heap, fired by its
  // driver (synctest.cpp). Set before the timer is first armed.
  Bubble* bubble = nullptr;

  std::atomic<TimerHeap*> heap{nullptr};  // set under mu + heap.mu; cleared under heap.mu
  int heap_index = -1;                    //                                       [heap.mu]
  std::atomic<int> refs{1};               // handles, the channel, a heap

  bool is_chan() const noexcept { return chan != nullptr; }
};

void timer_retain(Timer* t) noexcept;
void timer_release(Timer* t) noexcept;

struct TimerHeap {
  Lock mu;
  // A 4-ary min-heap. Each entry carries its key, so sifting compares without
  // touching the timers (Go's timerWhen).
  struct Entry {
    std::int64_t when;
    Timer* t;
  };
  std::vector<Entry> heap GOCXX_GUARDED_BY(mu);
  std::atomic<std::int64_t> min_when{0};  // heap[0]'s when, 0 when empty (written under mu)
};

// (Re)arms t to fire at `when` (and every `period` after, if > 0). Returns whether
// the previous configuration was still pending (active, or a channel value nobody
// had received, which is discarded).
bool timer_modify(Timer* t, std::int64_t when, std::int64_t period);
// Stops t. Returns whether it was pending (as above).
bool timer_stop(Timer* t);

// Channel-timer hooks, called by channel receives and select without the channel
// lock held: run the timer now if it is due; count a receiver that may block.
void chan_timer_maybe_run(Timer* t);
void chan_timer_block(Timer* t);
void chan_timer_unblock(Timer* t);

// Runs the expired timers of one heap; returns its earliest remaining due time
// (0 if none).
std::int64_t run_timers(TimerHeap* h, std::int64_t now);
// The earliest due time over every processor's heap (0 if none).
std::int64_t next_timer_when() noexcept;
// Runs the expired timers of every heap.
void run_all_timers(std::int64_t now);

// time.Sleep for the calling goroutine (or thread).
void sleep_ns(std::int64_t ns);

}  // namespace gocxx::rt
