// The block and mutex profiles' records (Go's mprof.go): where goroutines waited
// and for how long, and which unlocks made others wait. The pprof package reads
// them (contention_records) and writes them in Go's formats.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "clock.hpp"
#include "panic.hpp"
#include "sched.hpp"

namespace gocxx::rt {

std::atomic<std::int64_t> g_block_profile_rate{0};
std::atomic<std::int64_t> g_mutex_profile_fraction{0};

namespace {

struct Table {
  std::mutex mu;
  std::map<std::vector<void*>, ContentionRecord> records;
};

Table& table(bool mutex) {
  static auto* tables = new Table[2];  // used until the process ends
  return tables[mutex ? 1 : 0];
}

// At the calling goroutine's stack, less the runtime's own frames (which
// caller_stack drops): the blocking call or the unlock is the innermost frame.
void record(bool mutex, std::int64_t delay_ns) {
  std::vector<void*> stack = caller_stack(0);
  Table& t = table(mutex);
  std::lock_guard<std::mutex> lock(t.mu);
  ContentionRecord& r = t.records[stack];
  if (r.count++ == 0) r.stack = stack;
  r.delay_ns += delay_ns;
}

}  // namespace

bool block_profiled(const char* wait_reason) noexcept {
  // The waits Go's block profile records: channels, select and the sync package;
  // not sleep, I/O, system calls or waits that can never end (nil channels).
  static const char* const kReasons[] = {
      "chan receive",    "chan send",           "select",
      "sync.Mutex.Lock", "sync.RWMutex.RLock",  "sync.RWMutex.Lock",
      "sync.Cond.Wait",  "sync.WaitGroup.Wait", "semacquire",
  };
  for (const char* r : kReasons) {
    if (std::strcmp(r, wait_reason) == 0) return true;
  }
  return false;
}

void block_event(std::int64_t waited_ns) {
  std::int64_t rate = g_block_profile_rate.load(std::memory_order_relaxed);
  if (rate <= 0) return;
  // Go's blocksampled: every wait of at least rate ns, a shorter one with
  // probability waited/rate.
  if (waited_ns < rate && static_cast<std::int64_t>(fast_rand_n(static_cast<std::uint32_t>(
                              std::min<std::int64_t>(rate, UINT32_MAX)))) >= waited_ns) {
    return;
  }
  record(false, waited_ns);
}

void mutex_event(std::int64_t delay_ns) {
  std::int64_t rate = g_mutex_profile_fraction.load(std::memory_order_relaxed);
  if (rate <= 0) return;
  if (rate > 1 &&
      fast_rand_n(static_cast<std::uint32_t>(std::min<std::int64_t>(rate, UINT32_MAX))) != 0) {
    return;
  }
  record(true, delay_ns);
}

std::vector<ContentionRecord> contention_records(bool mutex) {
  Table& t = table(mutex);
  std::lock_guard<std::mutex> lock(t.mu);
  std::vector<ContentionRecord> out;
  out.reserve(t.records.size());
  for (const auto& e : t.records) out.push_back(e.second);
  return out;
}

}  // namespace gocxx::rt
