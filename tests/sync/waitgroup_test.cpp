// sync::WaitGroup (Go's sync/waitgroup_test.go).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "test_util.hpp"

using namespace gocxx;

TEST(WaitGroup, WaitsForEveryDone) {
  run([] {
    sync::WaitGroup wg;
    std::atomic<int> n{0};
    for (int i = 0; i < 100; ++i) {
      wg.add(1);
      go([&] {
        ++n;
        wg.done();
      });
    }
    wg.wait();
    EXPECT_EQ(n.load(), 100);
  });
}

TEST(WaitGroup, WaitOnZeroReturnsAtOnce) {
  sync::WaitGroup wg;
  wg.wait();
  wg.add(2);
  wg.add(-2);
  wg.wait();
}

TEST(WaitGroup, NegativeCounterPanics) {
  sync::WaitGroup wg;
  wg.add(1);
  wg.done();
  try {
    wg.done();
    FAIL() << "no panic";
  } catch (const Panic& p) {
    EXPECT_STREQ(p.what(), "sync: negative WaitGroup counter");
  }
}

TEST(WaitGroup, CanBeReusedAfterWaitReturns) {
  run([] {
    sync::WaitGroup wg;
    for (int round = 0; round < 50; ++round) {
      std::atomic<int> n{0};
      for (int i = 0; i < 10; ++i) {
        wg.go([&n] { ++n; });
      }
      wg.wait();
      EXPECT_EQ(n.load(), 10);
    }
  });
}

TEST(WaitGroup, ManyWaitersAreAllReleased) {
  run([] {
    sync::WaitGroup wg;
    sync::WaitGroup waiters;
    wg.add(1);
    std::atomic<int> released{0};
    for (int i = 0; i < 20; ++i) {
      waiters.go([&] {
        wg.wait();
        ++released;
      });
    }
    for (int i = 0; i < 100; ++i) runtime::gosched();
    EXPECT_EQ(released.load(), 0);
    wg.done();
    waiters.wait();
    EXPECT_EQ(released.load(), 20);
  });
}

TEST(WaitGroup, APlainThreadCanWaitForGoroutines) {
  sync::WaitGroup wg;
  std::atomic<int> n{0};
  for (int i = 0; i < 50; ++i) {
    wg.go([&n] { ++n; });
  }
  std::thread waiter([&] { wg.wait(); });
  waiter.join();
  EXPECT_EQ(n.load(), 50);
}

TEST(WaitGroup, DoneHappensBeforeWaitReturns) {
  run([] {
    for (int round = 0; round < 100; ++round) {
      std::vector<int> data(8, 0);
      sync::WaitGroup wg;
      for (int i = 0; i < 8; ++i) {
        wg.go([&data, i, round] { data[static_cast<size_t>(i)] = round; });
      }
      wg.wait();
      for (int v : data) ASSERT_EQ(v, round);
    }
  });
}

TEST(WaitGroup, MayBeDestroyedAsSoonAsWaitReturns) {
  run([] {
    for (int round = 0; round < 1000; ++round) {
      auto* wg = new sync::WaitGroup;
      wg->add(1);
      go([wg] { wg->done(); });
      wg->wait();
      delete wg;  // the done() side must not touch it any more
    }
  });
}
