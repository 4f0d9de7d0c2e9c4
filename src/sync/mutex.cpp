// sync.Mutex and sync.RWMutex, after Go's sync/mutex.go and sync/rwmutex.go.
//
// Mutex state word: bit 0 locked, bit 1 woken (a waiter has been woken or a spinner
// is about to take the lock, so unlock need not wake anyone), bit 2 starving, and
// the number of goroutines blocked on the semaphore above bit 3.
//
// Normal mode: waiters queue FIFO, but a woken waiter does not own the mutex: it
// competes with goroutines that are arriving right now, which have the CPU and
// usually win. A waiter that loses goes back to the *front* of the queue (LIFO
// re-queue). Once a waiter has waited over 1 ms it switches the mutex to starvation
// mode: unlock hands ownership straight to the first waiter, arrivals neither take
// the lock nor spin but queue at the tail. The last waiter, or one that waited less
// than 1 ms, switches back. Normal mode is far faster (a goroutine can take the lock
// many times in a row); starvation mode bounds the tail latency.
#include <cstdint>

#include "gocxx/sync.hpp"
#include "runtime/panic.hpp"
#include "runtime/sema.hpp"
#include "runtime/timer.hpp"

namespace gocxx::sync {

namespace {
constexpr std::int64_t kStarvationThresholdNs = 1'000'000;  // Go's starvationThresholdNs
}  // namespace

bool Mutex::try_lock() noexcept {
  std::int32_t old = state_.load(std::memory_order_relaxed);
  if ((old & (kLocked | kStarving)) != 0) return false;
  // There may be a goroutine waiting for the mutex; we race it and may win.
  return state_.compare_exchange_strong(old, old | kLocked, std::memory_order_acquire,
                                        std::memory_order_relaxed);
}

void Mutex::lock_slow() {
  std::int64_t wait_start = 0;
  bool starving = false;
  bool awoke = false;
  int iter = 0;
  std::int32_t old = state_.load(std::memory_order_relaxed);
  for (;;) {
    // Spin only in normal mode while the mutex is held: in starvation mode it goes
    // to a waiter, so we could not get it anyway.
    if ((old & (kLocked | kStarving)) == kLocked && rt::sync_can_spin(iter)) {
      // Set the woken bit so that unlock does not wake a sleeper for nothing.
      if (!awoke && (old & kWoken) == 0 && (old >> kWaiterShift) != 0 &&
          state_.compare_exchange_strong(old, old | kWoken, std::memory_order_relaxed)) {
        awoke = true;
      }
      rt::sync_do_spin();
      ++iter;
      old = state_.load(std::memory_order_relaxed);
      continue;
    }
    std::int32_t desired = old;
    if ((old & kStarving) == 0) desired |= kLocked;  // never grab a starving mutex
    if ((old & (kLocked | kStarving)) != 0) desired += 1 << kWaiterShift;
    // Switch to starvation mode, unless the mutex is free by now: then unlock
    // would expect waiters, and there may be none.
    if (starving && (old & kLocked) != 0) desired |= kStarving;
    if (awoke) {
      if ((desired & kWoken) == 0) rt::fatal("sync: inconsistent mutex state");
      desired &= ~kWoken;  // we are awake now, one way or the other
    }
    if (!state_.compare_exchange_weak(old, desired, std::memory_order_acquire,
                                      std::memory_order_relaxed)) {
      continue;
    }
    if ((old & (kLocked | kStarving)) == 0) return;  // took it with the CAS
    // A goroutine that waited before goes back to the front of the queue.
    const bool queue_lifo = wait_start != 0;
    if (wait_start == 0) wait_start = rt::nanotime();
    rt::sema_acquire(&sema_, "sync.Mutex.Lock", queue_lifo);
    starving = starving || rt::nanotime() - wait_start > kStarvationThresholdNs;
    old = state_.load(std::memory_order_relaxed);
    if ((old & kStarving) != 0) {
      // Handed to us in starvation mode: the state is inconsistent (locked clear,
      // us still counted as a waiter); fix it up.
      if ((old & (kLocked | kWoken)) != 0 || (old >> kWaiterShift) == 0) {
        rt::fatal("sync: inconsistent mutex state");
      }
      std::int32_t delta = kLocked - (1 << kWaiterShift);
      if (!starving || (old >> kWaiterShift) == 1) {
        // Leave starvation mode now: it is inefficient, and two goroutines could
        // otherwise swap the lock forever once it is on.
        delta -= kStarving;
      }
      state_.fetch_add(delta, std::memory_order_acquire);
      return;
    }
    awoke = true;
    iter = 0;
  }
}

void Mutex::unlock_slow(std::int32_t now) {
  if (((now + kLocked) & kLocked) == 0) rt::fatal("sync: unlock of unlocked mutex");
  if ((now & kStarving) == 0) {
    std::int32_t old = now;
    for (;;) {
      // Nobody to wake, or someone is already woken/spinning, or the lock has been
      // taken again (that goroutine will wake a waiter at its unlock).
      if ((old >> kWaiterShift) == 0 || (old & (kLocked | kWoken | kStarving)) != 0) return;
      // Take the right to wake one waiter.
      std::int32_t desired = (old - (1 << kWaiterShift)) | kWoken;
      if (state_.compare_exchange_weak(old, desired, std::memory_order_release,
                                       std::memory_order_relaxed)) {
        rt::sema_release(&sema_);
        return;
      }
    }
  }
  // Starvation mode: ownership goes to the first waiter. The locked bit stays clear;
  // the waiter sets it. Arrivals see the starving bit and queue behind it.
  rt::sema_release(&sema_);
}

// RWMutex: w_ serialises writers. reader_count_ counts active and pending readers;
// a writer subtracts kMaxReaders to announce itself, which makes new readers wait on
// reader_sem_, and waits on writer_sem_ for the readers that were already in
// (reader_wait_ counts those down).

void RWMutex::rlock() {
  if (reader_count_.fetch_add(1, std::memory_order_acquire) + 1 < 0) {
    rt::sema_acquire(&reader_sem_, "sync.RWMutex.RLock");  // a writer is pending
  }
}

bool RWMutex::try_rlock() noexcept {
  std::int32_t c = reader_count_.load(std::memory_order_relaxed);
  for (;;) {
    if (c < 0) return false;
    if (reader_count_.compare_exchange_weak(c, c + 1, std::memory_order_acquire,
                                            std::memory_order_relaxed)) {
      return true;
    }
  }
}

void RWMutex::runlock() {
  std::int32_t r = reader_count_.fetch_sub(1, std::memory_order_release) - 1;
  if (r >= 0) [[likely]] {
    return;
  }
  if (r + 1 == 0 || r + 1 == -kMaxReaders) rt::fatal("sync: RUnlock of unlocked RWMutex");
  // A writer is pending; the last reader it waits for wakes it.
  if (reader_wait_.fetch_sub(1, std::memory_order_acq_rel) - 1 == 0) {
    rt::sema_release(&writer_sem_);
  }
}

void RWMutex::lock() {
  w_.lock();
  // Announce the writer; r readers were active.
  std::int32_t r = reader_count_.fetch_sub(kMaxReaders, std::memory_order_acq_rel);
  if (r != 0 && reader_wait_.fetch_add(r, std::memory_order_acq_rel) + r != 0) {
    rt::sema_acquire(&writer_sem_, "sync.RWMutex.Lock");
  }
}

bool RWMutex::try_lock() noexcept {
  if (!w_.try_lock()) return false;
  std::int32_t expected = 0;
  if (!reader_count_.compare_exchange_strong(expected, -kMaxReaders, std::memory_order_acquire,
                                             std::memory_order_relaxed)) {
    w_.unlock();
    return false;
  }
  return true;
}

void RWMutex::unlock() {
  // Let the readers that queued meanwhile in.
  std::int32_t r = reader_count_.fetch_add(kMaxReaders, std::memory_order_release) + kMaxReaders;
  if (r >= kMaxReaders) rt::fatal("sync: Unlock of unlocked RWMutex");
  for (std::int32_t i = 0; i < r; ++i) rt::sema_release(&reader_sem_);
  w_.unlock();
}

}  // namespace gocxx::sync
