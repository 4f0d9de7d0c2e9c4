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

inline void cpu_relax() noexcept {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

}  // namespace gocxx::rt
