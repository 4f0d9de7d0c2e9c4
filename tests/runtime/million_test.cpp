// A million live goroutines on a default Linux (vm.max_map_count = 65530): the
// stack allocator must not spend a mapping per stack.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <string>

#include "gocxx/gocxx.hpp"
#include "runtime/stack.hpp"

using namespace gocxx;

namespace {
long count_mappings() {
  std::ifstream maps("/proc/self/maps");
  long n = 0;
  std::string line;
  while (std::getline(maps, line)) ++n;
  return n;
}
}  // namespace

TEST(Million, AMillionGoroutinesBlockAndWake) {
  static constexpr long kN = 1000000;
  run([] {
    auto gate = make_chan<>();
    std::atomic<long> woken{0};
    sync::WaitGroup started;
    sync::WaitGroup finished;
    started.add(static_cast<int>(kN));
    finished.add(static_cast<int>(kN));
    for (long i = 0; i < kN; ++i) {
      go([&, gate] {
        started.done();
        gate.recv();  // all of them alive and blocked at once
        woken.fetch_add(1, std::memory_order_relaxed);
        finished.done();
      });
    }
    started.wait();
    EXPECT_GE(runtime::num_goroutine(), kN);
    long maps = count_mappings();
    EXPECT_LT(maps, 60000) << "stacks must not cost a mapping each";
    auto stats = rt::stack_stats();
    RecordProperty("mappings", std::to_string(maps));
    RecordProperty("stacks", std::to_string(stats.stacks_created));
    RecordProperty("unguarded", std::to_string(stats.unguarded));
    gate.close();
    finished.wait();
    EXPECT_EQ(woken.load(), kN);
  });
}
