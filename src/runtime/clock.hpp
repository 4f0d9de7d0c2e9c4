// The runtime's one clock: CLOCK_MONOTONIC, the clock of std::chrono::steady_clock
// (so instants compare with time::now()), read through the vDSO (no system call).
#pragma once

#include <time.h>

#include <cstdint>

namespace gocxx::rt {

// Nanoseconds on the monotonic clock.
inline std::int64_t nanotime() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// The same clock at the kernel tick's resolution (a few ms), for heuristics that
// read it often (the scheduler's starvation check): cheaper than nanotime().
inline std::int64_t nanotime_coarse() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace gocxx::rt
