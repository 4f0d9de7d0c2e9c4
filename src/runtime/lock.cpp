#include "lock.hpp"

namespace gocxx::rt {

// Spin first: critical sections are short, and on these VMs a futex round trip costs
// microseconds. Then fall back to Drepper's three-state futex mutex.
void Lock::lock_slow() noexcept {
  for (int spin = 0; spin < 128; ++spin) {
    uint32_t s = state_.load(std::memory_order_relaxed);
    if (s == kUnlocked) {
      if (state_.compare_exchange_weak(s, kLocked, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
        return;
      }
    }
    cpu_relax();
  }
  while (state_.exchange(kSleepers, std::memory_order_acquire) != kUnlocked) {
    futex_wait(&state_, kSleepers);
  }
}

}  // namespace gocxx::rt
