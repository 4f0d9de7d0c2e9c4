// gocxx::testing's leak checks and test context.
#include "gocxx/testing.hpp"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "subprocess.hpp"
#include "test_util.hpp"

using namespace std::chrono_literals;

namespace leak_fixture {

// Blocks on c until it is closed: a goroutine with this frame is what the tests
// look for.
__attribute__((noinline)) void park_on(gocxx::Chan<int> c) {
  c.recv();
}

struct Worker {
  __attribute__((noinline)) void loop(int /*unused*/) const { park_on(c); }
  gocxx::Chan<int> c;
};

// Parks on a channel nobody else holds: it can never be woken, and stays behind
// for the rest of the process; the other tests ignore it (within()).
__attribute__((noinline)) void stranded() {
  park_on(gocxx::make_chan<int>());
}

}  // namespace leak_fixture

namespace {

using gocxx::testing::find_leaks;
using gocxx::testing::LeakOptions;

// Options with a grace period and, optionally, functions to ignore; the goroutines
// MarksAGoroutineNothingCanWake and bubble_test.cpp's deadlocks strand are always
// ignored, so that the tests also pass when they share a process. (Designated initializers that
// leave members out trip GCC 12's -Wmissing-field-initializers.)
LeakOptions within(std::chrono::milliseconds grace, std::vector<std::string> ignore = {}) {
  LeakOptions options;
  options.grace = grace;
  options.ignore_functions = std::move(ignore);
  options.ignore_functions.push_back("leak_fixture::stranded");
  options.ignore_functions.push_back("bubble_fixture::blocked_forever");  // bubble_test.cpp
  options.ignore_functions.push_back("bubble_fixture::asleep_forever");
  return options;
}

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

TEST(FindLeaks, NoneInACleanProgram) {
  EXPECT_TRUE(find_leaks(within(0ms)).empty());
  gocxx::run([] {
    auto done = gocxx::make_chan<int>();
    gocxx::go([done] { done.send(1); });
    done.recv();
  });
  EXPECT_TRUE(find_leaks(within(5s)).empty());
}

TEST(FindLeaks, ReportsAParkedGoroutineWithItsTraceback) {
  auto c = gocxx::make_chan<int>();
  gocxx::go([c] { leak_fixture::park_on(c); });
  await_goroutines(1);
  std::vector<std::string> leaks = find_leaks(within(20ms));
  ASSERT_EQ(leaks.size(), 1u);
  EXPECT_EQ(leaks[0].rfind("goroutine ", 0), 0u) << leaks[0];
  EXPECT_NE(leaks[0].find("[chan receive]:"), std::string::npos) << leaks[0];
  EXPECT_NE(leaks[0].find("leak_fixture::park_on"), std::string::npos) << leaks[0];
  EXPECT_NE(leaks[0].find("created by "), std::string::npos) << leaks[0];
  // The test still holds c: it could wake the goroutine, so it is not marked.
  EXPECT_EQ(leaks[0].find("(leaked: it can never be woken)"), std::string::npos) << leaks[0];
  c.close();
  EXPECT_TRUE(find_leaks(within(5s)).empty());
}

// In a fresh process: in one that ran other tests, a stale word that happens to
// look like a pointer into the goroutine's stack may hide the leak (the profile
// errs that way only, by design).
TEST(FindLeaks, MarksAGoroutineNothingCanWake) {
  GOCXX_IN_FRESH_PROCESS({
    gocxx::go(leak_fixture::stranded);
    await_goroutines(1);
    LeakOptions options;
    options.grace = 20ms;
    std::vector<std::string> leaks = find_leaks(options);
    ASSERT_GE(leaks.size(), 1u);
    std::size_t marked = 0;
    for (const std::string& leak : leaks) {
      if (leak.find("leak_fixture::stranded") == std::string::npos) continue;
      EXPECT_NE(leak.find("]:\n(leaked: it can never be woken)\n"), std::string::npos) << leak;
      ++marked;
    }
    EXPECT_GE(marked, 1u);
  });
}

TEST(FindLeaks, WaitsOutGoroutinesAboutToExit) {
  auto release = gocxx::make_chan<int>();
  for (int i = 0; i < 8; ++i) gocxx::go([release] { release.recv(); });
  await_goroutines(8);
  // Their release comes from a timer, after find_leaks has first looked.
  auto t = gocxx::time::after_func(20ms, [release] { release.close(); });
  EXPECT_TRUE(find_leaks(within(10s)).empty());
}

TEST(FindLeaks, TakesTheGracePeriodWhenAGoroutineStays) {
  auto c = gocxx::make_chan<int>();
  gocxx::go([c] { leak_fixture::park_on(c); });
  await_goroutines(1);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(find_leaks(within(100ms)).size(), 1u);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
  c.close();
}

TEST(FindLeaks, IgnoresFunctionsByTheirBareName) {
  leak_fixture::Worker w{gocxx::make_chan<int>()};
  gocxx::go([w] { w.loop(7); });
  auto other = gocxx::make_chan<int>();
  gocxx::go([other] { leak_fixture::park_on(other); });
  await_goroutines(2);
  // Worker::loop(int) const matches by its bare name; the other goroutine stays.
  std::vector<std::string> leaks = find_leaks(within(20ms, {"leak_fixture::Worker::loop"}));
  ASSERT_EQ(leaks.size(), 1u) << leaks[0];
  EXPECT_EQ(leaks[0].find("Worker::loop"), std::string::npos) << leaks[0];
  // Every frame counts, not only the innermost; a prefix of a name does not.
  EXPECT_TRUE(find_leaks(within(0ms, {"leak_fixture::park_on"})).empty());
  EXPECT_EQ(find_leaks(within(0ms, {"leak_fixture::park"})).size(), 2u);
  w.c.close();
  other.close();
}

TEST(FindLeaks, IgnoresTheBaselineWhenAsked) {
  auto before = gocxx::make_chan<int>();
  gocxx::go([before] { leak_fixture::park_on(before); });
  await_goroutines(1);
  gocxx::testing::set_baseline();
  auto after = gocxx::make_chan<int>();
  gocxx::go([after] { leak_fixture::park_on(after); });
  await_goroutines(2);
  EXPECT_EQ(find_leaks(within(0ms)).size(), 2u);
  EXPECT_EQ(find_leaks([] {
              LeakOptions o = within(0ms);
              o.ignore_current = true;
              return o;
            }())
                .size(),
            1u);
  before.close();
  after.close();
}

TEST(FindLeaks, LeavesOutTheCallingGoroutine) {
  gocxx::run([] { EXPECT_TRUE(find_leaks(within(0ms)).empty()); });
}

TEST(VerifyNone, FailsOnceListingEveryLeak) {
  auto c = gocxx::make_chan<int>();
  gocxx::go([c] { leak_fixture::park_on(c); });
  gocxx::go([c] { leak_fixture::park_on(c); });
  await_goroutines(2);
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    gocxx::testing::verify_none(within(20ms));
  }
  ASSERT_EQ(failures.size(), 1);
  std::string message = failures.GetTestPartResult(0).message();
  EXPECT_EQ(message.rfind("found unexpected goroutines:\n", 0), 0u) << message;
  std::size_t first = message.find("leak_fixture::park_on");
  ASSERT_NE(first, std::string::npos) << message;
  EXPECT_NE(message.find("leak_fixture::park_on", first + 1), std::string::npos) << message;
  c.close();
  gocxx::testing::verify_none(within(5s));  // and passes once they are gone
}

// The child's output, shown on failure with its SKIPPED markers defused (ctest
// would take them for this test's own).
std::string shown(std::string out) {
  for (std::size_t at; (at = out.find("SKIPPED")) != std::string::npos;)
    out.replace(at, 7, "skipped");
  return out;
}

// The listener, and the test context outside a fixture, in a program of their own.
TEST(LeakCheckListener, FailsTheTestThatLeaksAndOnlyIt) {
  gocxx::testing::ProcessResult raw =
      gocxx::testing::run_process({GOCXX_TESTING_SCENARIOS}, {}, 120);
  struct {
    int exit_code;
    std::string out;
    std::string err;
  } r{raw.exit_code, shown(raw.out), shown(raw.err)};
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("[       OK ] Scenario.Clean"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[  FAILED  ] Scenario.Leaks ("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("found unexpected goroutines:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("scenario_leak"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[       OK ] Scenario.IgnoredLeak"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[       OK ] Scenario.ContextIsCancelledAfterTheTest"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("[  skipped ] Scenario.SkippedTestsAreNotChecked ("), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("[  FAILED  ] Scenario.SkippedTestsAreNotChecked"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("outside a test: gocxx::testing::test_context called while no test is "
                       "running"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("1 FAILED TEST"), std::string::npos) << r.out;
}

// A bubble's channel or timer used from outside the bubble is Go's fatal error.
TEST(Bubble, UseFromOutsideIsAFatalError) {
  for (auto [what, message] :
       {std::pair{"send", "send on synctest channel from outside bubble"},
        std::pair{"close", "close of synctest channel from outside bubble"},
        std::pair{"select", "select on synctest channel from outside bubble"},
        std::pair{"stop", "stop of synctest timer from outside bubble"}}) {
    gocxx::testing::ProcessResult r =
        gocxx::testing::run_process({GOCXX_TESTING_SCENARIOS, "misuse", what}, {}, 60);
    EXPECT_EQ(r.exit_code, 2) << what << "\n" << r.out << r.err;
    EXPECT_EQ(r.err.rfind(std::string("fatal error: ") + message + "\n", 0), 0u) << r.err;
    EXPECT_EQ(r.out, "");
  }
}

// --- test_context ----------------------------------------------------------------

class TestContext : public gocxx::testing::Test {
 protected:
  void TearDown() override {
    gocxx::testing::Test::TearDown();
    EXPECT_EQ(ctx_.err(), gocxx::context::canceled);
    EXPECT_EQ(gocxx::testing::test_context().err(), gocxx::context::canceled);
    gocxx::testing::verify_none(within(5s));  // what waited on the context has ended
  }
  gocxx::context::Context ctx_;
};

TEST_F(TestContext, IsLiveDuringTheBodyAndCancelledInTearDown) {
  ctx_ = gocxx::testing::test_context();
  EXPECT_FALSE(ctx_.err());
  EXPECT_FALSE(ctx_.deadline().has_value());
  // Goroutines see the same context.
  gocxx::run([this] {
    auto seen = gocxx::make_chan<bool>(1);
    gocxx::go([seen] { seen.send(gocxx::testing::test_context().done().try_recv().has_value()); });
    EXPECT_FALSE(*seen.recv());
    EXPECT_EQ(gocxx::testing::test_context().done(), ctx_.done());
  });
}

TEST_F(TestContext, AGoroutineWaitingOnItEndsWithTheTest) {
  ctx_ = gocxx::testing::test_context();
  gocxx::go([ctx = ctx_] { ctx.done().recv(); });
  await_goroutines(1);
}

}  // namespace
