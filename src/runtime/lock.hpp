// The runtime's internal mutex (Go's runtime.mutex): guards channel and scheduler
// state for a few dozen instructions at a time. It blocks the OS thread, never a
// goroutine, so it must never be held across a park.
#pragma once

#include <atomic>
#include <cstdint>

#include "futex.hpp"

namespace gocxx::rt {

class Lock {
 public:
  void lock() noexcept {
    uint32_t expected = kUnlocked;
    if (state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire,
                                       std::memory_order_relaxed)) [[likely]] {
      return;
    }
    lock_slow();
  }
  bool try_lock() noexcept {
    uint32_t expected = kUnlocked;
    return state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire,
                                          std::memory_order_relaxed);
  }
  void unlock() noexcept {
    if (state_.exchange(kUnlocked, std::memory_order_release) == kSleepers) [[unlikely]] {
      futex_wake(&state_, 1);
    }
  }

 private:
  static constexpr uint32_t kUnlocked = 0;
  static constexpr uint32_t kLocked = 1;
  static constexpr uint32_t kSleepers = 2;  // locked, and someone may sleep in the futex

  void lock_slow() noexcept;

  std::atomic<uint32_t> state_{kUnlocked};
};

class LockGuard {
 public:
  explicit LockGuard(Lock& l) noexcept : l_(l) { l_.lock(); }
  ~LockGuard() { l_.unlock(); }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;

 private:
  Lock& l_;
};

}  // namespace gocxx::rt
