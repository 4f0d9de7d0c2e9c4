#include "lock.hpp"

#include <sched.h>

namespace gocxx::rt {

// Spin first, with exponential backoff: critical sections are short, a futex round
// trip costs microseconds on these VMs, and a waiter that re-reads the lock word in
// a tight loop keeps stealing its cache line from the holder, which then needs it
// back to unlock. Then yield the CPU once, then Drepper's three-state futex mutex.
void Lock::lock_slow() noexcept {
  for (int round = 0, pauses = 1; round < 12; ++round, pauses = pauses < 64 ? pauses * 2 : 64) {
    for (int i = 0; i < pauses; ++i) cpu_relax();
    uint32_t s = state_.load(std::memory_order_relaxed);
    if (s == kUnlocked && state_.compare_exchange_weak(s, kLocked, std::memory_order_acquire,
                                                       std::memory_order_relaxed)) {
      return;
    }
  }
  sched_yield();
  while (state_.exchange(kSleepers, std::memory_order_acquire) != kUnlocked) {
    futex_wait(&state_, kSleepers);
  }
}

}  // namespace gocxx::rt
