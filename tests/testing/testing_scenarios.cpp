// A GoogleTest program with the leak-check listener installed, run by
// testing_test.cpp: Scenario.Leaks must fail (and only it), the others pass.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "gocxx/gocxx.hpp"
#include "gocxx/testing.hpp"

using namespace std::chrono_literals;

namespace scenario_fixture {

__attribute__((noinline)) void scenario_leak(gocxx::Chan<int> c) {
  c.recv();
}
// A body of its own, so that no build folds the two functions into one.
__attribute__((noinline)) void scenario_tolerated(gocxx::Chan<int> c) {
  if (c.recv()) std::abort();
}

}  // namespace scenario_fixture

namespace {

// Never destroyed: the goroutines parked on it outlive main.
gocxx::Chan<int>& leaked_chan() {
  static auto* c = new gocxx::Chan<int>(gocxx::make_chan<int>());
  return *c;
}
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
  gocxx::go([c = leaked_chan()] { scenario_fixture::scenario_leak(c); });
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
  gocxx::go([c = leaked_chan()] { scenario_fixture::scenario_leak(c); });
  GTEST_SKIP() << "a skipped test's goroutines are not its leaks";
}

}  // namespace

// A bubble's channel or timer used from outside it: Go's fatal error, exit 2.
int misuse(const std::string& what) {
  gocxx::Chan<int> c;
  gocxx::time::Timer t;
  gocxx::testing::bubble([&] {
    c = gocxx::make_chan<int>(1);
    t = gocxx::time::new_timer(1h);
  });
  if (what == "send") c.send(1);
  if (what == "close") c.close();
  if (what == "select") gocxx::select(gocxx::recv(c), gocxx::default_case());
  if (what == "stop") t.stop();
  std::puts("no fatal error");
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 2 && std::string(argv[1]) == "misuse") return misuse(argv[2]);
  ::testing::InitGoogleTest(&argc, argv);
  try {
    gocxx::testing::test_context();
  } catch (const gocxx::Panic& p) {
    std::printf("outside a test: %s\n", p.what());
  }
  gocxx::testing::LeakOptions options;
  options.grace = 5s;  // generous: the machine may be busy
  options.ignore_functions = {"scenario_fixture::scenario_tolerated"};
  options.ignore_current = true;
  gocxx::testing::install_leak_check(options);
  return RUN_ALL_TESTS();
}
