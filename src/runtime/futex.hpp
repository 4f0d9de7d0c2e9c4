// Futex wait/wake and CPU relax: the only places the runtime sleeps a thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <ctime>

namespace gocxx::rt {

// Sleeps while *word == expected (or until the timeout, when given). Spurious
// wake-ups happen; callers re-check their condition.
void futex_wait(std::atomic<uint32_t>* word, uint32_t expected,
                const timespec* relative_timeout = nullptr) noexcept;
void futex_wake(std::atomic<uint32_t>* word, int count) noexcept;

// A StoreLoad barrier. ThreadSanitizer does not model fences (GCC refuses them under
// -fsanitize=thread), so there it is a sequentially consistent read-modify-write.
inline void full_barrier() noexcept {
#if defined(__SANITIZE_THREAD__)
  static std::atomic<int> dummy{0};
  dummy.fetch_add(0, std::memory_order_seq_cst);
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

inline void cpu_relax() noexcept {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

}  // namespace gocxx::rt
