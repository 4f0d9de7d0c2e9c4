#include "futex.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sanitizers.hpp"

namespace gocxx::rt {

// std::atomic<uint32_t> is a plain 32-bit word on every supported target.
static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t));

void futex_wait(std::atomic<uint32_t>* word, uint32_t expected,
                const timespec* relative_timeout) noexcept {
#if defined(GOCXX_TSAN)
  // Signals must not wait out the sleep (see kTsanMaxSleepNs).
  static constexpr timespec kCap{0, kTsanMaxSleepNs};
  if (relative_timeout == nullptr || relative_timeout->tv_sec > 0 ||
      relative_timeout->tv_nsec > kCap.tv_nsec) {
    relative_timeout = &kCap;
  }
#endif
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAIT_PRIVATE, expected,
          relative_timeout, nullptr, 0);
}

void futex_wake(std::atomic<uint32_t>* word, int count) noexcept {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE_PRIVATE, count, nullptr, nullptr,
          0);
}

}  // namespace gocxx::rt
