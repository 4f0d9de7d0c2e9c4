// Shared by the gocxx benchmark programs: timing, RSS, and the RESULT line format
// that bench/compare.py parses (defined in BENCHMARKS.md).
#pragma once

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

namespace bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

inline void result(const char* name, double value, const char* unit) {
  std::printf("RESULT name=%s value=%.3f unit=%s\n", name, value, unit);
  std::fflush(stdout);
}

// VmRSS of this process, in KiB.
inline long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

}  // namespace bench
