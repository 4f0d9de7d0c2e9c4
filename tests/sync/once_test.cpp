// sync::Once, once_func, once_value, after Go's sync/once_test.go and oncefunc_test.go.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "test_util.hpp"

using namespace gocxx;
using gocxx::testing::eventually;
using gocxx::testing::run_with_procs;

// Go's TestOnce: many concurrent callers, f runs once, and every caller returns
// only after f has finished.
TEST(Once, RunsOnceAndCallersWaitForIt) {
  for (int procs : {1, 2, 4}) {
    run_with_procs(procs, [] {
      sync::Once once;
      std::atomic<int> runs{0};
      std::atomic<bool> finished{false};
      auto release = make_chan<>();
      sync::WaitGroup wg;
      for (int i = 0; i < 50; ++i) {
        wg.go([&] {
          once.call([&] {
            runs.fetch_add(1);
            release.recv();  // f blocks until main lets it go
            finished = true;
          });
          EXPECT_TRUE(finished.load()) << "call() returned before f finished";
        });
      }
      ASSERT_TRUE(eventually([&] { return runs.load() == 1; }));
      for (int i = 0; i < 20; ++i) runtime::gosched();
      release.close();
      wg.wait();
      EXPECT_EQ(runs.load(), 1);
    });
  }
}

TEST(Once, CountsCallsNotFunctions) {
  // The tutorial's E24: the second call's function never runs.
  sync::Once once;
  int count = 0;
  once.call([&] { ++count; });
  once.call([&] { --count; });
  EXPECT_EQ(count, 1);
}

// Go's TestOncePanic: a panicking f counts as done.
TEST(Once, AThrowingFunctionIsNotRunAgain) {
  sync::Once once;
  int runs = 0;
  EXPECT_THROW(once.call([&] {
    ++runs;
    throw std::runtime_error("boom");
  }),
               std::runtime_error);
  once.call([&] { ++runs; });
  EXPECT_EQ(runs, 1);
}

TEST(Once, PlainThreads) {
  sync::Once once;
  std::atomic<int> runs{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) threads.emplace_back([&] { once.call([&] { runs.fetch_add(1); }); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(runs.load(), 1);
}

TEST(OnceFunc, CallsFOnceHoweverOftenCalled) {
  run([] {
    std::atomic<int> runs{0};
    std::function<void()> f = sync::once_func([&] { runs.fetch_add(1); });
    sync::WaitGroup wg;
    for (int i = 0; i < 20; ++i) wg.go([&] { f(); });
    wg.wait();
    f();
    EXPECT_EQ(runs.load(), 1);
  });
}

// Go's TestOnceFuncPanic: every call re-panics with the same value.
TEST(OnceFunc, EveryCallRethrowsTheSameException) {
  int runs = 0;
  auto f = sync::once_func([&] {
    ++runs;
    throw std::runtime_error("once boom");
  });
  for (int i = 0; i < 3; ++i) {
    try {
      f();
      FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "once boom");
    }
  }
  EXPECT_EQ(runs, 1);
}

TEST(OnceValue, ReturnsTheFirstResultEveryTime) {
  run([] {
    std::atomic<int> runs{0};
    auto f = sync::once_value([&] {
      runs.fetch_add(1);
      return std::string("computed");
    });
    sync::WaitGroup wg;
    std::atomic<int> right{0};
    for (int i = 0; i < 20; ++i) {
      wg.go([&] {
        if (f() == "computed") right.fetch_add(1);
      });
    }
    wg.wait();
    EXPECT_EQ(right.load(), 20);
    EXPECT_EQ(runs.load(), 1);
  });
}

TEST(OnceValue, EveryCallRethrows) {
  int runs = 0;
  auto f = sync::once_value([&]() -> int {
    ++runs;
    throw std::invalid_argument("bad value");
  });
  EXPECT_THROW(f(), std::invalid_argument);
  EXPECT_THROW(f(), std::invalid_argument);
  EXPECT_EQ(runs, 1);
}
