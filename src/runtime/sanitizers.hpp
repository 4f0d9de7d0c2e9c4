// Telling AddressSanitizer and ThreadSanitizer about goroutine switches. Without
// these calls ASan reports false stack overflows/use-after-return and TSan mixes up
// the shadow stacks of goroutines that share a thread.
#pragma once

#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define GOCXX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GOCXX_ASAN 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define GOCXX_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GOCXX_TSAN 1
#endif
#endif

#if defined(GOCXX_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>
#endif
#if defined(GOCXX_TSAN)
#include <sanitizer/tsan_interface.h>
#endif

namespace gocxx::rt {

inline constexpr bool kUnderSanitizer =
#if defined(GOCXX_ASAN) || defined(GOCXX_TSAN)
    true;
#else
    false;
#endif

// ThreadSanitizer runs an asynchronous signal's handler at once only if the thread
// that takes the signal is inside a blocking call TSan intercepts (epoll_wait, read,
// pthread_cond_wait...). Otherwise it queues the signal and runs the handler at that
// thread's next intercepted call or atomic operation. The runtime sleeps in raw
// futex and epoll_pwait2 system calls, which TSan does not intercept, so a thread
// asleep in one when the kernel picks it for a process-directed signal (the main
// thread waiting in run() is the kernel's first choice) held the handler for as long
// as it slept: a FUTEX_WAIT without timeout is even restarted, unseen, after TSan's
// handler returns (SA_RESTART). signal::notify then never relayed the signal. Under
// TSan these sleeps therefore always have a timeout, at most kTsanMaxSleepNs: a
// signal ends a timed wait with EINTR, and the cap bounds the delay of one queued
// between the sleeper's last atomic operation and its system call. Callers already
// take spurious wake-ups.
inline constexpr long kTsanMaxSleepNs = 10'000'000;

// Per-context state the sanitizers need. g0 (a thread's own stack) fills its stack
// bounds lazily on its first switch.
struct SanitizerContext {
#if defined(GOCXX_ASAN)
  void* fake_stack = nullptr;
  const void* stack_bottom = nullptr;
  std::size_t stack_size = 0;
#endif
#if defined(GOCXX_TSAN)
  void* tsan_fiber = nullptr;
  bool owns_fiber = false;
#endif
};

inline void sanitizer_unpoison(void* p, std::size_t n) noexcept {
#if defined(GOCXX_ASAN)
  ASAN_UNPOISON_MEMORY_REGION(p, n);
#else
  (void)p;
  (void)n;
#endif
}

// LeakSanitizer scans thread stacks and globals for pointers, not memory we map
// ourselves: a goroutine stack is registered so objects referenced only from a
// blocked goroutine's frames do not count as leaks.
inline void sanitizer_register_stack(void* lo, std::size_t size) noexcept {
#if defined(GOCXX_ASAN)
  __lsan_register_root_region(lo, size);
#else
  (void)lo;
  (void)size;
#endif
}

// A context for a goroutine stack [lo, lo + size).
inline void sanitizer_create(SanitizerContext& c, const void* lo, std::size_t size) noexcept {
#if defined(GOCXX_ASAN)
  c.stack_bottom = lo;
  c.stack_size = size;
#endif
#if defined(GOCXX_TSAN)
  if (c.tsan_fiber == nullptr) {
    c.tsan_fiber = __tsan_create_fiber(0);
    c.owns_fiber = true;
  }
#endif
  (void)c;
  (void)lo;
  (void)size;
}

// The context of the calling thread's own stack [lo, lo + size) (an M's g0).
inline void sanitizer_adopt_thread(SanitizerContext& c, const void* lo, std::size_t size) noexcept {
#if defined(GOCXX_ASAN)
  c.stack_bottom = lo;
  c.stack_size = size;
#endif
#if defined(GOCXX_TSAN)
  c.tsan_fiber = __tsan_get_current_fiber();
  c.owns_fiber = false;
#endif
  (void)c;
  (void)lo;
  (void)size;
}

inline void sanitizer_destroy(SanitizerContext& c) noexcept {
#if defined(GOCXX_TSAN)
  if (c.owns_fiber && c.tsan_fiber != nullptr) __tsan_destroy_fiber(c.tsan_fiber);
  c.tsan_fiber = nullptr;
  c.owns_fiber = false;
#endif
  (void)c;
}

// Just before switching from `from` to `to`. from_dying: `from` never runs again.
inline void sanitizer_start_switch(SanitizerContext& from, SanitizerContext& to,
                                   bool from_dying) noexcept {
#if defined(GOCXX_ASAN)
  __sanitizer_start_switch_fiber(from_dying ? nullptr : &from.fake_stack, to.stack_bottom,
                                 to.stack_size);
#endif
#if defined(GOCXX_TSAN)
  __tsan_switch_to_fiber(to.tsan_fiber, 0);
#endif
  (void)from;
  (void)to;
  (void)from_dying;
}

// First thing after a switch lands in `self`.
inline void sanitizer_finish_switch(SanitizerContext& self) noexcept {
#if defined(GOCXX_ASAN)
  const void* old_bottom = nullptr;
  std::size_t old_size = 0;
  __sanitizer_finish_switch_fiber(self.fake_stack, &old_bottom, &old_size);
  (void)old_bottom;
  (void)old_size;
#endif
  (void)self;
}

}  // namespace gocxx::rt
