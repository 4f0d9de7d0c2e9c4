// Fake-time bubbles (gocxx::testing::bubble), after Go's testing/synctest tests.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "gocxx/testing.hpp"

using namespace std::chrono_literals;
namespace gt = gocxx::testing;
using gocxx::time::Duration;

namespace {

constexpr std::chrono::seconds kBubbleEpoch{946684800};  // 2000-01-01T00:00:00Z

Duration since_epoch() {
  return gocxx::time::now().time_since_epoch();
}

TEST(Bubble, ClockStartsAtTheMillenniumAndIsFrozenWhileGoroutinesRun) {
  gt::bubble([] {
    EXPECT_TRUE(gt::in_bubble());
    EXPECT_EQ(since_epoch(), kBubbleEpoch);
    long sum = 0;
    for (int i = 0; i < 100000; ++i) sum += i;
    asm volatile("" : : "r"(sum));
    EXPECT_EQ(since_epoch(), kBubbleEpoch);  // busy work does not move it
  });
  EXPECT_FALSE(gt::in_bubble());
  EXPECT_NE(since_epoch(), kBubbleEpoch);  // outside: the real clock again
}

TEST(Bubble, AnHourLongTimerFiresAtOnceAndExactlyAnHourLater) {
  auto real_start = std::chrono::steady_clock::now();
  gt::bubble([] {
    gocxx::time::Time start = gocxx::time::now();
    gocxx::time::Time fired = *gocxx::time::after(1h).recv();
    EXPECT_EQ(fired - start, 1h);
    EXPECT_EQ(gocxx::time::now() - start, 1h);
  });
  EXPECT_LT(std::chrono::steady_clock::now() - real_start, 50ms);
}

TEST(Bubble, SleepersWakeInTheOrderOfTheirDeadlines) {
  gt::bubble([] {
    auto order = gocxx::make_chan<int>(3);
    for (int s : {3, 1, 2}) {
      gocxx::go([order, s] {
        gocxx::time::sleep(std::chrono::seconds(s));
        EXPECT_EQ(since_epoch(), kBubbleEpoch + std::chrono::seconds(s));
        order.send(s);
      });
    }
    EXPECT_EQ(*order.recv(), 1);
    EXPECT_EQ(*order.recv(), 2);
    EXPECT_EQ(*order.recv(), 3);
    EXPECT_EQ(since_epoch(), kBubbleEpoch + 3s);
  });
}

TEST(Bubble, WaitReturnsOnceTheOthersAreDurablyBlocked) {
  gt::bubble([] {
    auto c = gocxx::make_chan<int>();
    std::atomic<int> stage{0};
    gocxx::go([c, &stage] {
      stage = 1;
      c.recv();
      stage = 2;
    });
    gt::wait();
    EXPECT_EQ(stage.load(), 1);  // it ran up to its receive and blocked there
    c.send(1);
    gt::wait();
    EXPECT_EQ(stage.load(), 2);              // and, woken, ran to the end
    EXPECT_EQ(since_epoch(), kBubbleEpoch);  // no time passed
  });
}

TEST(Bubble, SleepThenWait) {
  gt::bubble([] {
    std::atomic<bool> done{false};
    gocxx::go([&done] {
      gocxx::time::sleep(10s);
      done = true;
    });
    gt::sleep(5s);
    EXPECT_FALSE(done.load());
    gt::sleep(5s);
    EXPECT_TRUE(done.load());  // it woke at 10s and ran before sleep returned
  });
}

TEST(Bubble, MisuseOfWaitAndNestingPanics) {
  EXPECT_THROW(gt::wait(), gocxx::Panic);
  EXPECT_THROW(gt::sleep(1s), gocxx::Panic);
  try {
    gt::wait();
  } catch (const gocxx::Panic& p) {
    EXPECT_STREQ(p.what(), "goroutine is not in a bubble");
  }
  gt::bubble([] {
    try {
      gt::bubble([] {});
      ADD_FAILURE() << "a nested bubble ran";
    } catch (const gocxx::Panic& p) {
      EXPECT_STREQ(p.what(), "synctest.Run called from within a synctest bubble");
    }
    // Two goroutines call wait(): whichever comes second is refused, the first
    // returns once the second has finished and blocked.
    auto try_wait = [] {
      try {
        gt::wait();
        return std::string("waited");
      } catch (const gocxx::Panic& p) {
        return std::string(p.what());
      }
    };
    auto other = gocxx::make_chan<std::string>(1);
    gocxx::go([other, try_wait] { other.send(try_wait()); });
    std::string mine = try_wait();
    std::string theirs = *other.recv();
    std::vector<std::string> outcomes{mine, theirs};
    std::sort(outcomes.begin(), outcomes.end());
    EXPECT_EQ(outcomes, (std::vector<std::string>{"wait already in progress", "waited"}));
  });
}

TEST(Bubble, ADeadlockIsReportedWithTheBubblesGoroutines) {
  try {
    gt::bubble([] {
      auto c = gocxx::make_chan<int>();
      c.recv();  // nothing in the bubble can send
    });
    ADD_FAILURE() << "no deadlock reported";
  } catch (const gocxx::Panic& p) {
    std::string what = p.what();
    EXPECT_EQ(what.rfind("fatal error: all goroutines in bubble are blocked\n\ngoroutine ", 0), 0u)
        << what;
    EXPECT_NE(what.find(" [chan receive]:"), std::string::npos) << what;
  }
}

TEST(Bubble, GoroutinesLeftBlockedAfterTheRootReturnsAreReported) {
  try {
    gt::bubble([] {
      auto c = gocxx::make_chan<int>();
      gocxx::go([c] { c.recv(); });
      gocxx::go([] { gocxx::time::sleep(1h); });  // the clock no longer moves
    });
    ADD_FAILURE() << "nothing reported";
  } catch (const gocxx::Panic& p) {
    std::string what = p.what();
    EXPECT_EQ(what.rfind("fatal error: main bubble goroutine has exited but blocked goroutines "
                         "remain\n\n",
                         0),
              0u)
        << what;
    EXPECT_NE(what.find(" [chan receive]:"), std::string::npos) << what;
    EXPECT_NE(what.find(" [sleep]:"), std::string::npos) << what;
  }
}

TEST(Bubble, TheRootsExceptionIsRethrownOnceAllHaveExited) {
  std::atomic<bool> other_done{false};
  EXPECT_THROW(gt::bubble([&other_done] {
                 auto release = gocxx::make_chan<int>();
                 gocxx::go([&other_done, release] {
                   release.recv();
                   other_done = true;
                 });
                 release.close();
                 throw std::runtime_error("boom");
               }),
               std::runtime_error);
  EXPECT_TRUE(other_done.load());
}

TEST(Bubble, AMutexWaitIsNotDurable) {
  gocxx::sync::Mutex m;
  m.lock();  // held by this thread, outside the bubble
  std::atomic<bool> slept{false};
  std::thread outside([&] {
    // While a bubble goroutine waits for m, the bubble's clock cannot move: the
    // sleeper below stays asleep however long we wait here.
    std::this_thread::sleep_for(100ms);
    EXPECT_FALSE(slept.load());
    m.unlock();
  });
  gt::bubble([&] {
    gocxx::go([&m] {
      m.lock();
      m.unlock();
    });
    gocxx::time::sleep(1s);
    slept = true;
  });
  outside.join();
  EXPECT_TRUE(slept.load());
}

TEST(Bubble, WaitGroupAndCondWaitsAreDurable) {
  gt::bubble([] {
    gocxx::sync::WaitGroup wg;
    wg.add(2);
    for (int s : {1, 2}) {
      gocxx::go([&wg, s] {
        gocxx::time::sleep(std::chrono::seconds(s));
        wg.done();
      });
    }
    wg.wait();
    EXPECT_EQ(since_epoch(), kBubbleEpoch + 2s);

    gocxx::sync::Mutex mu;
    gocxx::sync::Cond cond(mu);
    bool ready = false;
    gocxx::go([&] {
      gocxx::time::sleep(3s);
      std::lock_guard lock(mu);
      ready = true;
      cond.signal();
    });
    std::unique_lock lock(mu);
    while (!ready) cond.wait();
    EXPECT_EQ(since_epoch(), kBubbleEpoch + 5s);
  });
}

TEST(Bubble, AfterFuncTickersAndZeroTimers) {
  gt::bubble([] {
    auto fired = gocxx::make_chan<Duration>(1);
    auto t = gocxx::time::after_func(90min, [fired] { fired.send(since_epoch() - kBubbleEpoch); });
    EXPECT_EQ(*fired.recv(), 90min);

    gocxx::time::Ticker ticker = gocxx::time::new_ticker(250ms);
    for (int i = 1; i <= 4; ++i) {
      EXPECT_EQ(ticker.c.recv()->time_since_epoch(), kBubbleEpoch + 90min + i * 250ms);
    }
    ticker.stop();

    // A zero timer's channel is ready when new_timer returns.
    gocxx::time::Timer zero = gocxx::time::new_timer(0s);
    EXPECT_TRUE(zero.c.try_recv().has_value());
    // A ticker nobody reads does not keep the bubble going.
    gocxx::time::Ticker unread = gocxx::time::new_ticker(1s);
  });
}

TEST(Bubble, ContextDeadlinesAndRateLimitsRunOnTheFakeClock) {
  gt::bubble([] {
    auto [ctx, cancel] = gocxx::context::with_timeout(gocxx::context::background(), 1h);
    ctx.done().recv();
    EXPECT_EQ(ctx.err(), gocxx::context::deadline_exceeded);
    EXPECT_EQ(since_epoch(), kBubbleEpoch + 1h);
    cancel();

    // One event per 10 minutes, burst 1: three waits take exactly 20 minutes.
    gocxx::rate::Limiter limiter(gocxx::rate::every(10min), 1);
    gocxx::time::Time start = gocxx::time::now();
    for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter.wait(gocxx::context::background()));
    EXPECT_EQ(gocxx::time::now() - start, 20min);
  });
}

TEST(Bubble, EachBubbleHasItsOwnClockAndRunsConcurrently) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 1; i <= 4; ++i) {
    threads.emplace_back([i, &ok] {
      gt::bubble([i, &ok] {
        for (int k = 0; k < 20; ++k) gocxx::time::sleep(std::chrono::minutes(i));
        if (since_epoch() == kBubbleEpoch + std::chrono::minutes(20 * i)) ++ok;
      });
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 4);
}

TEST(Bubble, CalledFromAGoroutine) {
  gocxx::run([] {
    gt::bubble([] { gocxx::time::sleep(24h); });
    EXPECT_FALSE(gt::in_bubble());
  });
}

}  // namespace
