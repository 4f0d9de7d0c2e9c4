// Global deadlock detection: every program of deadlock_scenarios.cpp runs as a
// child process. The deadlocked ones must end with Go's report and status 2; the
// ones that only look stuck for a while must finish normally.
#include <gtest/gtest.h>

#include <csignal>
#include <regex>
#include <string>

#include "runtime/sanitizers.hpp"
#include "subprocess.hpp"

using gocxx::testing::ProcessResult;
using gocxx::testing::run_process;

namespace {

ProcessResult scenario(const std::string& name, std::vector<std::string> env = {},
                       double timeout = 60) {
  env.push_back("GOTRACEBACK=single");
  return run_process({GOCXX_DEADLOCK_SCENARIOS, name}, env, timeout);
}

const char kAsleep[] = "fatal error: all goroutines are asleep - deadlock!\n\n";

void expect_deadlock(const ProcessResult& r, const std::string& name) {
  EXPECT_EQ(r.exit_code, 2) << name << "\n" << r.err;
  EXPECT_EQ(r.err.rfind(kAsleep, 0), 0u) << name << "\n" << r.err;
}

int count(const std::string& text, const std::string& re) {
  std::regex pattern(re);
  auto it = std::sregex_iterator(text.begin(), text.end(), pattern);
  return static_cast<int>(std::distance(it, std::sregex_iterator()));
}

}  // namespace

TEST(Deadlock, EveryKindOfWaitIsReported) {
  for (const char* name :
       {"chan-recv", "mutex-cycle", "waitgroup", "cond", "select-no-cases", "nil-send",
        "after-stopped-timer", "plain-thread", "goexit-main-others-blocked"}) {
    expect_deadlock(scenario(name), name);
  }
}

TEST(Deadlock, TheReportListsEveryGoroutineInIdOrderWithItsWaitReason) {
  ProcessResult r = scenario("chan-recv");
  expect_deadlock(r, "chan-recv");
  EXPECT_TRUE(std::regex_search(r.err, std::regex("\ngoroutine 1 \\[chan receive\\]:\n"))) << r.err;
  EXPECT_EQ(count(r.err, "\ngoroutine [0-9]+ \\[chan receive\\]:\n"), 2) << r.err;
  std::size_t first = r.err.find("goroutine 1 [");
  std::size_t second = r.err.find("goroutine ", first + 1);
  EXPECT_LT(first, second);
  EXPECT_EQ(r.err.back(), '\n');

  ProcessResult m = scenario("mutex-cycle");
  EXPECT_EQ(count(m.err, "\ngoroutine [0-9]+ \\[sync.Mutex.Lock\\]:\n"), 2) << m.err;
  EXPECT_EQ(count(m.err, "\ngoroutine 1 \\[sync.WaitGroup.Wait\\]:\n"), 1) << m.err;
  EXPECT_EQ(count(scenario("select-no-cases").err, "\\[select \\(no cases\\)\\]"), 1);
  EXPECT_EQ(count(scenario("nil-send").err, "\\[chan send \\(nil chan\\)\\]"), 1);
  EXPECT_EQ(count(scenario("cond").err, "\\[sync.Cond.Wait\\]"), 1);
}

TEST(Deadlock, AParkedGoroutinesFramesShowWhereItBlocked) {
  ProcessResult r = scenario("named-function");
  expect_deadlock(r, "named-function");
  EXPECT_EQ(count(r.err, "\\(anonymous namespace\\)::wait_for_a_value_nobody_sends"), 2) << r.err;
  // File:line and inlined frames need debug information (not in Release builds).
  if (r.err.find("deadlock_scenarios.cpp:") == std::string::npos) {
    GTEST_SKIP() << "built without debug information";
  }
  // Both goroutines: the function that blocked, at the line of the receive, and
  // the public channel operation it called (runtime frames hidden).
  const std::string frame =
      "\n\\(anonymous namespace\\)::wait_for_a_value_nobody_sends\\(gocxx::Chan<int>\\)\n"
      "\t[^\n]*deadlock_scenarios.cpp:[0-9]+ \\+0x[0-9a-f]+\n";
  EXPECT_EQ(count(r.err, frame), 2) << r.err;
  EXPECT_EQ(count(r.err, "gocxx::rt::"), 0) << r.err;
  EXPECT_EQ(count(r.err,
                  "created by \\(anonymous namespace\\)::deadlock::\\{lambda\\}::operator\\(\\) "
                  "in goroutine 1\n\t[^\n]*deadlock_scenarios.cpp:[0-9]+\n"),
            1)
      << r.err;
  // GOTRACEBACK=system shows the runtime's frames down to the switch.
  ProcessResult sys =
      run_process({GOCXX_DEADLOCK_SCENARIOS, "named-function"}, {"GOTRACEBACK=system"}, 60);
  EXPECT_GE(count(sys.err, "\ngocxx::rt::park\\("), 2) << sys.err;
}

TEST(Deadlock, MainCallingGoexitEndsWithGosMessage) {
  ProcessResult r = scenario("goexit-main");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.rfind("fatal error: no goroutines (main called runtime.Goexit) - deadlock!\n", 0),
            0u)
      << r.err;
}

TEST(Deadlock, GotracebackNoneKeepsOnlyTheFirstLine) {
  ProcessResult r = run_process({GOCXX_DEADLOCK_SCENARIOS, "chan-recv"}, {"GOTRACEBACK=none"}, 60);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "fatal error: all goroutines are asleep - deadlock!\n");
}

TEST(Deadlock, GotracebackCrashAborts) {
  ProcessResult r = run_process({GOCXX_DEADLOCK_SCENARIOS, "chan-recv"}, {"GOTRACEBACK=crash"}, 60);
  EXPECT_EQ(r.signal, SIGABRT) << r.err;
  EXPECT_EQ(r.err.rfind(kAsleep, 0), 0u) << r.err;
}

TEST(Deadlock, NoFalseAlarmWhileSomethingMayStillWakeAGoroutine) {
  struct Case {
    const char* name;
    const char* out;
  } cases[] = {
      {"timer", "timer fired\n"},
      {"sleeper", "got 7\n"},
      {"context-timeout", "context deadline exceeded\n"},
      {"socket", "read hi\n"},
      {"blocking", "blocking call returned\n"},
      {"thread-sender", "got 3\n"},
      {"thread-in-gocxx-wait", "got 4\n"},
      {"signal", "signal 10\n"},
      {"ticker", "four ticks\n"},
      {"main-returns-with-goroutines-blocked", "main went on\n"},
  };
  for (const Case& c : cases) {
#if defined(GOCXX_TSAN)
    // ThreadSanitizer runs a signal's handler only when the receiving thread next
    // enters one of its interceptors, which a thread asleep in a raw futex call may
    // never do: the signal from the other process may never arrive.
    if (std::string(c.name) == "signal") continue;
#endif
    ProcessResult r = scenario(c.name);
    EXPECT_EQ(r.exit_code, 0) << c.name << "\n" << r.err;
    EXPECT_EQ(r.out, c.out) << c.name;
    EXPECT_EQ(r.err, "") << c.name;
  }
}

TEST(Deadlock, DetectionCanBeTurnedOff) {
  // Detection reports within about 200 ms; these stay deadlocked until killed.
  ProcessResult env = scenario("chan-recv", {"GOCXX_DEADLOCK=0"}, 2.0);
  EXPECT_TRUE(env.timed_out) << env.err;
  ProcessResult api = scenario("off-by-api", {}, 2.0);
  EXPECT_TRUE(api.timed_out) << api.err;
  ProcessResult again = scenario("api-off-then-on");
  EXPECT_EQ(again.out, "1 0\n");
  expect_deadlock(again, "api-off-then-on");
}
