// Helpers shared by the tests.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include <gtest/gtest.h>

#include "gocxx/gocxx.hpp"

namespace gocxx::testing {

// The runtime's threads make gtest's default "fast" (fork-only) death tests unsafe:
// a forked child has none of the runtime's threads. Set after gtest's own flags are
// initialised (an environment's SetUp runs after InitGoogleTest).
class ThreadsafeDeathTests : public ::testing::Environment {
 public:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};
inline ::testing::Environment* const kThreadsafeDeathTests =
    ::testing::AddGlobalTestEnvironment(new ThreadsafeDeathTests);

// A generous deadline for loops that wait for another goroutine to make progress.
// Such loops yield (they never sleep) and fail the test instead of hanging.
class Deadline {
 public:
  explicit Deadline(std::chrono::milliseconds budget = std::chrono::seconds(30))
      : end_(std::chrono::steady_clock::now() + budget) {}
  bool expired() const { return std::chrono::steady_clock::now() > end_; }

 private:
  std::chrono::steady_clock::time_point end_;
};

// Yields until pred() holds or the deadline passes; returns pred().
inline bool eventually(const std::function<bool()>& pred,
                       std::chrono::milliseconds budget = std::chrono::seconds(30)) {
  Deadline d(budget);
  while (!pred()) {
    if (d.expired()) return false;
    runtime::gosched();
  }
  return true;
}

// Runs body as a main goroutine with the given number of processors, restoring the
// previous setting afterwards.
inline void run_with_procs(int procs, const std::function<void()>& body) {
  int old = runtime::gomaxprocs(procs);
  run(body);
  runtime::gomaxprocs(old);
}

}  // namespace gocxx::testing

// Runs the statement in a fresh child process (gtest's threadsafe death-test style
// re-executes this test alone), for checks that need a pristine runtime: the first
// goroutine ids, exact goroutine counts, gomaxprocs defaults. Assertion failures in
// the child make it exit 1.
#define GOCXX_IN_FRESH_PROCESS(statement)                  \
  EXPECT_EXIT(                                             \
      {                                                    \
        statement;                                         \
        std::fflush(stdout);                               \
        std::_Exit(::testing::Test::HasFailure() ? 1 : 0); \
      },                                                   \
      ::testing::ExitedWithCode(0), "")
