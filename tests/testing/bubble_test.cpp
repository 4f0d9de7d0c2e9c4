// Fake-time bubbles (gocxx::testing::bubble), after Go's testing/synctest tests.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "gocxx/testing.hpp"

using namespace std::chrono_literals;
namespace gt = gocxx::testing;

// What the deadlock tests leave blocked for good, as Go does: testing_test.cpp's
// leak checks ignore these functions by name, so the tests may share a process.
namespace bubble_fixture {
__attribute__((noinline)) void blocked_forever(gocxx::Chan<int> c) {
  c.recv();
}
__attribute__((noinline)) void asleep_forever() {
  gocxx::time::after(std::chrono::hours(1)).recv();
}
}  // namespace bubble_fixture
using gocxx::time::Duration;

namespace {

constexpr std::chrono::seconds kBubbleEpoch{946684800};  // 2000-01-01T00:00:00Z

int count_of(const std::string& text, const std::string& what) {
  int n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

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
      bubble_fixture::blocked_forever(c);  // nothing in the bubble can send
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
      gocxx::go([c] { bubble_fixture::blocked_forever(c); });
      gocxx::go([] { bubble_fixture::asleep_forever(); });  // the clock no longer moves
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
    EXPECT_EQ(count_of(what, " [chan receive]:"), 2) << what;
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

// A wait that something outside the bubble may end is not durable: while one
// goroutine is in it, the clock stands still. `outside` ends it after a while and
// checks that the sleeper had not woken meanwhile.
void expect_not_durable(const std::function<void()>& blocked_in_bubble,
                        const std::function<void()>& end_from_outside) {
  std::atomic<bool> slept{false};
  std::thread outside([&] {
    std::this_thread::sleep_for(100ms);
    EXPECT_FALSE(slept.load());
    end_from_outside();
  });
  gt::bubble([&] {
    gocxx::go(blocked_in_bubble);
    gocxx::time::sleep(1s);
    slept = true;
  });
  outside.join();
  EXPECT_TRUE(slept.load());
}

TEST(Bubble, ChannelsMadeOutsideAndTheirSelectsAreNotDurable) {
  auto ext = gocxx::make_chan<int>();
  expect_not_durable([&] { ext.recv(); }, [&] { ext.send(1); });
  expect_not_durable(
      [&] {
        auto mine = gocxx::make_chan<int>();
        gocxx::select(gocxx::recv(ext), gocxx::recv(mine));  // one outside channel is enough
      },
      [&] { ext.send(2); });
}

TEST(Bubble, AWaitGroupAddedOutsideIsNotDurable) {
  gocxx::sync::WaitGroup wg;
  wg.add(1);
  expect_not_durable([&] { wg.wait(); }, [&] { wg.done(); });
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

// Go's TestTimerRunsImmediately and friends: a timer already due fires without
// waiting for the bubble to block; stop and reset work on the fake clock; an
// after_func still pending when the bubble ends never runs.
TEST(Bubble, DueTimersFireAtOnceAndPendingOnesDieWithTheBubble) {
  gt::bubble([] {
    std::atomic<bool> ran{false};
    auto t = gocxx::time::after_func(0s, [&ran] { ran = true; });
    // This goroutine never blocks durably while it waits, so the clock cannot be
    // what starts f.
    for (auto until = std::chrono::steady_clock::now() + 10s;
         !ran.load() && std::chrono::steady_clock::now() < until;) {
      gocxx::runtime::gosched();
    }
    EXPECT_TRUE(ran.load());
    EXPECT_EQ(since_epoch(), kBubbleEpoch);

    gocxx::time::Timer timer = gocxx::time::new_timer(1h);
    EXPECT_TRUE(timer.stop());
    EXPECT_FALSE(timer.reset(2h));  // it was stopped
    gocxx::time::Time fired = *timer.c.recv();
    EXPECT_EQ(fired.time_since_epoch(), kBubbleEpoch + 2h);

    auto [past, cancel] =
        gocxx::context::with_deadline(gocxx::context::background(), gocxx::time::now() - 1s);
    EXPECT_EQ(past.err(), gocxx::context::deadline_exceeded);  // at once
    cancel();
  });
  std::atomic<bool> late{false};
  gt::bubble([&late] { gocxx::time::after_func(1h, [&late] { late = true; }); });
  EXPECT_FALSE(late.load());  // the bubble ended (its root returned) before 1 h
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

// --- the tutorial's time-based examples at their full durations -------------------

namespace {

Duration elapsed() {
  return since_epoch() - kBubbleEpoch;
}

// E72: greeting gives up after its 1 s timeout and cancels the farewell, which
// would otherwise wait a minute for its locale.
TEST(BubbleExamples, GreetingTimesOutAfterOneSecondAndCancelsFarewell) {
  gt::bubble([] {
    namespace ctxns = gocxx::context;
    std::vector<std::string> lines;
    gocxx::sync::Mutex mu;
    auto log = [&](std::string line) {
      std::lock_guard lock(mu);
      lines.push_back(std::move(line) + " at " + gocxx::time::to_string(elapsed()));
    };
    auto locale = [](const ctxns::Context& ctx) -> gocxx::Error {
      int which = gocxx::select(gocxx::recv(ctx.done()), gocxx::recv(gocxx::time::after(1min)));
      return which == 0 ? ctx.err() : gocxx::Error();
    };
    auto [ctx, cancel] = ctxns::with_cancel(ctxns::background());
    gocxx::sync::WaitGroup wg;
    wg.add(2);
    gocxx::go([&, ctx = ctx, cancel = cancel] {
      auto [greeting_ctx, stop] = ctxns::with_timeout(ctx, 1s);
      if (gocxx::Error err = locale(greeting_ctx)) {
        log("cannot print greeting: " + err.message());
        cancel();
      }
      stop();
      wg.done();
    });
    gocxx::go([&, ctx = ctx] {
      if (gocxx::Error err = locale(ctx)) log("cannot print farewell: " + err.message());
      wg.done();
    });
    wg.wait();
    cancel();
    EXPECT_EQ(lines,
              (std::vector<std::string>{"cannot print greeting: context deadline exceeded at 1s",
                                        "cannot print farewell: context canceled at 1s"}));
  });
}

// E74: a worker pulsing every second and producing a result every two, a consumer
// that gives up after two quiet seconds, everything stopped after ten seconds.
TEST(BubbleExamples, HeartbeatEverySecondForTenSeconds) {
  gt::bubble([] {
    auto done = gocxx::make_chan<>();
    auto stop = gocxx::time::after_func(10s, [done] { done.close(); });
    auto work = gocxx::make_chan<Duration>();
    gocxx::go([done, work] {
      gocxx::time::Ticker every2s = gocxx::time::new_ticker(2s);
      for (;;) {
        if (gocxx::select(gocxx::recv(done), gocxx::recv(every2s.c)) == 0) break;
        if (!gocxx::patterns::send_or_done(done, work, elapsed())) break;
      }
      every2s.stop();
      work.close();
    });
    auto [heartbeat, results] = gocxx::patterns::heartbeat(done, 1s, work);
    std::vector<Duration> result_times;
    int pulses = 0;
    bool timed_out = false;
    for (bool open = true; open;) {
      std::optional<Duration> r;
      std::optional<gocxx::Unit> beat;
      switch (gocxx::select(gocxx::recv(heartbeat, beat), gocxx::recv(results, r),
                            gocxx::recv(gocxx::time::after(2s)))) {
        case 0:
          if (!beat)
            open = false;
          else
            ++pulses;
          break;
        case 1:
          if (!r)
            open = false;
          else
            result_times.push_back(*r);
          break;
        default:
          timed_out = true;
          open = false;
      }
    }
    EXPECT_FALSE(timed_out);
    // The result due at 10 s ties with done: either may come first.
    if (result_times.size() == 5 && result_times.back() == 10s) result_times.pop_back();
    EXPECT_EQ(result_times, (std::vector<Duration>{2s, 4s, 6s, 8s}));
    EXPECT_GE(pulses, 5);  // one a second while it waited, dropped when nobody listened
    EXPECT_LE(pulses, 10);
    EXPECT_EQ(elapsed(), 10s);
  });
}

// E78: twenty callers share one limiter of a token a second: the k-th call
// completes at exactly k seconds.
TEST(BubbleExamples, RateLimitedApiOneCallPerSecond) {
  gt::bubble([] {
    gocxx::rate::Limiter limiter(gocxx::rate::every(1s), 1);
    auto finished = gocxx::make_chan<Duration>(20);
    for (int i = 0; i < 20; ++i) {
      gocxx::go([&limiter, finished] {
        EXPECT_FALSE(limiter.wait(gocxx::context::background()));
        finished.send(elapsed());
      });
    }
    std::vector<Duration> times;
    for (int i = 0; i < 20; ++i) times.push_back(*finished.recv());
    std::sort(times.begin(), times.end());
    for (int k = 0; k < 20; ++k) EXPECT_EQ(times[k], std::chrono::seconds(k)) << k;
  });
}

// E79: two a second, but at most ten a minute (a token every 6 s after the burst).
TEST(BubbleExamples, MultiLimiterTwoPerSecondTenPerMinute) {
  gt::bubble([] {
    gocxx::rate::Limiter per_second(gocxx::rate::per(2, 1s), 1);
    gocxx::rate::Limiter per_minute(gocxx::rate::per(10, 1min), 10);
    gocxx::rate::MultiLimiter both(per_second, per_minute);
    auto finished = gocxx::make_chan<Duration>(20);
    for (int i = 0; i < 20; ++i) {
      gocxx::go([&both, finished] {
        EXPECT_FALSE(both.wait(gocxx::context::background()));
        finished.send(elapsed());
      });
    }
    std::vector<Duration> times;
    for (int i = 0; i < 20; ++i) times.push_back(*finished.recv());
    std::sort(times.begin(), times.end());
    for (int k = 0; k < 10; ++k) EXPECT_EQ(times[k], k * 500ms) << k;
    for (int k = 10; k < 20; ++k) EXPECT_EQ(times[k], (k - 9) * 6s) << k;
  });
}

// E81: a steward with a 4 s timeout restarts a ward that never beats, at 4 s and
// 8 s; everything stops at 9 s.
TEST(BubbleExamples, StewardRestartsTheWardEveryFourSeconds) {
  gt::bubble([] {
    std::vector<std::string> events;
    gocxx::sync::Mutex mu;
    auto log = [&](const std::string& what) {
      std::lock_guard lock(mu);
      events.push_back(gocxx::time::to_string(elapsed()) + " " + what);
    };
    gocxx::patterns::StartFn ward = [&](gocxx::patterns::Done ward_done, Duration) {
      log("hello");
      gocxx::go([&, ward_done] {
        ward_done.chan().recv();
        log("halting");
      });
      return gocxx::RecvChan<>();  // never beats
    };
    gocxx::patterns::Steward steward(4s, ward, [&] { log("restarting"); });
    auto done = gocxx::make_chan<>();
    auto halt = gocxx::time::after_func(9s, [done] { done.close(); });
    for ([[maybe_unused]] gocxx::Unit pulse : steward(done, 4s)) {
    }
    gt::wait();  // the last ward's halting
    std::lock_guard lock(mu);
    // At one instant the old ward's halting and the new ward's hello are
    // concurrent: compare in sorted order.
    std::sort(events.begin(), events.end());
    EXPECT_EQ(events,
              (std::vector<std::string>{"0s hello", "4s halting", "4s hello", "4s restarting",
                                        "8s halting", "8s hello", "8s restarting", "9s halting"}));
  });
}

}  // namespace
