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

// A futex word whose values are the enumerators of E (an enum over uint32_t), so
// that the states a thread sleeps on have names.
template <class E>
class FutexWord {
 public:
  constexpr explicit FutexWord(E v) noexcept : w_(static_cast<uint32_t>(v)) {}
  E load(std::memory_order o = std::memory_order_seq_cst) const noexcept {
    return static_cast<E>(w_.load(o));
  }
  void store(E v, std::memory_order o = std::memory_order_seq_cst) noexcept {
    w_.store(static_cast<uint32_t>(v), o);
  }
  E exchange(E v, std::memory_order o = std::memory_order_seq_cst) noexcept {
    return static_cast<E>(w_.exchange(static_cast<uint32_t>(v), o));
  }
  bool compare_exchange(E expected, E desired,
                        std::memory_order o = std::memory_order_seq_cst) noexcept {
    auto e = static_cast<uint32_t>(expected);
    return w_.compare_exchange_strong(e, static_cast<uint32_t>(desired), o);
  }
  // Sleeps while the word is `while_value` (or until the timeout); may wake spuriously.
  void wait(E while_value, const timespec* relative_timeout = nullptr) noexcept {
    futex_wait(&w_, static_cast<uint32_t>(while_value), relative_timeout);
  }
  void wake(int count) noexcept { futex_wake(&w_, count); }

 private:
  std::atomic<uint32_t> w_;
};

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
