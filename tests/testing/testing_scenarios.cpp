// A GoogleTest program with the leak-check listener installed, run by
// testing_test.cpp: Scenario.Leaks must fail (and only it), the others pass.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "gocxx/testing.hpp"

using namespace std::chrono_literals;

namespace scenario_fixture {

__attribute__((noinline)) void scenario_leak(gocxx::Chan<int> c) {
  c.recv();
}
__attribute__((noinline)) void scenario_tolerated(gocxx::Chan<int> c) {
  c.recv();
}

}  // namespace scenario_fixture

namespace {

gocxx::Chan<int> g_leaked = gocxx::make_chan<int>();
gocxx::context::Context g_previous;

// Waits (without sleeping) until at least n goroutines are parked.
void await_goroutines(std::int64_t n) {
  auto parked = [] {
    for (const gocxx::metrics::Sample& s : gocxx::metrics::read()) {
      if (s.name == "/sched/goroutines/waiting:goroutines")
        return static_cast<std::int64_t>(s.value);
    }
    return std::int64_t{0};
  };
  for (auto until = std::chrono::steady_clock::now() + 10s;
       parked() < n && std::chrono::steady_clock::now() < until;) {
    gocxx::runtime::gosched();
  }
}

TEST(Scenario, Clean) {
  gocxx::run([] {
    auto c = gocxx::make_chan<int>();
    gocxx::go([c] { c.send(1); });
    c.recv();
  });
}

TEST(Scenario, Leaks) {
  gocxx::go([] { scenario_fixture::scenario_leak(g_leaked); });
  await_goroutines(1);
}

// The leaked goroutine of the previous test is still there, and ignored from now
// on as part of the baseline; this test's is ignored by its function.
TEST(Scenario, IgnoredLeak) {
  gocxx::testing::set_baseline();
  auto c = gocxx::make_chan<int>();
  gocxx::go([c] { scenario_fixture::scenario_tolerated(c); });
  await_goroutines(2);
  g_previous = gocxx::testing::test_context();
  EXPECT_FALSE(g_previous.err());
}

TEST(Scenario, ContextIsCancelledAfterTheTest) {
  EXPECT_EQ(g_previous.err(), gocxx::context::canceled);
  gocxx::context::Context mine = gocxx::testing::test_context();
  EXPECT_FALSE(mine.err());
  EXPECT_NE(mine.done(), g_previous.done());
}

TEST(Scenario, SkippedTestsAreNotChecked) {
  gocxx::go([] { scenario_fixture::scenario_leak(g_leaked); });
  GTEST_SKIP() << "a skipped test's goroutines are not its leaks";
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  try {
    gocxx::testing::test_context();
  } catch (const gocxx::Panic& p) {
    std::printf("outside a test: %s\n", p.what());
  }
  gocxx::testing::LeakOptions options;
  options.grace = 2s;  // generous: the machine may be busy
  options.ignore_functions = {"scenario_fixture::scenario_tolerated"};
  options.ignore_current = true;
  gocxx::testing::install_leak_check(options);
  return RUN_ALL_TESTS();
}
