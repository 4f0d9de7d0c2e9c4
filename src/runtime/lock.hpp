// The runtime's internal mutex (Go's runtime.mutex): guards channel and scheduler
// state for a few dozen instructions at a time. It blocks the OS thread, never a
// goroutine, so it must never be held across a park (a park's commit function,
// which runs on the same thread right after the switch, may release it).
//
// Debug builds (NDEBUG undefined) remember the owning thread, so that functions
// documented as "lock held" can check it (assert_held), as Go's runtime throws
// when a _locked function runs without its lock.
#pragma once

#include <atomic>
#include <cstdint>

#include "futex.hpp"
#include "panic.hpp"
#include "thread_annotations.hpp"

namespace gocxx::rt {

#if !defined(NDEBUG)
#define GOCXX_RUNTIME_CHECKS 1
#endif

class GOCXX_CAPABILITY("mutex") Lock {
 public:
  void lock() noexcept GOCXX_ACQUIRE() {
    uint32_t expected = kUnlocked;
    if (!state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire,
                                        std::memory_order_relaxed)) [[unlikely]] {
      lock_slow();
    }
#if defined(GOCXX_RUNTIME_CHECKS)
    owner_.store(self_id(), std::memory_order_relaxed);
#endif
  }
  void unlock() noexcept GOCXX_RELEASE() {
#if defined(GOCXX_RUNTIME_CHECKS)
    if (owner_.load(std::memory_order_relaxed) != self_id()) {
      fatal("runtime: unlock of a lock this thread does not hold");
    }
    owner_.store(nullptr, std::memory_order_relaxed);
#endif
    if (state_.exchange(kUnlocked, std::memory_order_release) == kSleepers) [[unlikely]] {
      futex_wake(&state_, 1);
    }
  }
  // Checks (debug builds) that the calling thread holds the lock; tells the
  // analysis so in every build.
  void assert_held() const noexcept GOCXX_ASSERT_CAPABILITY(this) {
#if defined(GOCXX_RUNTIME_CHECKS)
    if (owner_.load(std::memory_order_relaxed) != self_id()) {
      fatal("runtime: lock not held by the caller of a _locked function");
    }
#endif
  }

 private:
  static constexpr uint32_t kUnlocked = 0;
  static constexpr uint32_t kLocked = 1;
  static constexpr uint32_t kSleepers = 2;  // locked, and someone may sleep in the futex

  void lock_slow() noexcept;

  std::atomic<uint32_t> state_{kUnlocked};
#if defined(GOCXX_RUNTIME_CHECKS)
  static const void* self_id() noexcept {
    static thread_local char marker;
    return &marker;
  }
  std::atomic<const void*> owner_{nullptr};
#endif
};

class GOCXX_SCOPED_CAPABILITY LockGuard {
 public:
  explicit LockGuard(Lock& l) noexcept GOCXX_ACQUIRE(l) : l_(l) { l_.lock(); }
  ~LockGuard() GOCXX_RELEASE() { l_.unlock(); }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;

 private:
  Lock& l_;
};

}  // namespace gocxx::rt
