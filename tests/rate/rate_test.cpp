// The rate package: x/time/rate's rate_test.go behaviours with explicit time
// points (deterministic), the waits with generous bounds, the seed's other
// limiters, and concurrent use with exact counts.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "test_util.hpp"

using namespace gocxx;
using namespace std::chrono_literals;
using gocxx::testing::run_with_procs;

namespace {

constexpr time::Duration d = 100ms;  // the step of Go's tests
const time::Time t0 = time::now();
time::Time at(int steps) {
  return t0 + steps * d;
}
const time::Time t1 = at(1), t2 = at(2), t3 = at(3), t4 = at(4), t5 = at(5), t9 = at(9);

struct Allow {
  time::Time t;
  double tokens;  // expected tokens_at(t) before the call
  int n;
  bool ok;
};

void run_allows(rate::Limiter& lim, const std::vector<Allow>& allows) {
  for (std::size_t i = 0; i < allows.size(); ++i) {
    const Allow& a = allows[i];
    EXPECT_EQ(lim.tokens_at(a.t), a.tokens) << "step " << i;
    EXPECT_EQ(lim.allow_n(a.t, a.n), a.ok) << "step " << i;
  }
}

// The nearest multiple of d since t0 (Go's dSince).
long steps_since_t0(time::Time t) {
  return static_cast<long>((time::sub(t, t0) + d / 2) / d);
}

struct Request {
  time::Time t;
  int n;
  time::Time act;
  bool ok;
};

rate::Reservation reserve(rate::Limiter& lim, const Request& req, int line) {
  rate::Reservation r = lim.reserve_n(req.t, req.n);
  EXPECT_EQ(r.ok(), req.ok) << "line " << line;
  if (r.ok()) {
    EXPECT_EQ(steps_since_t0(req.t + r.delay_from(req.t)), steps_since_t0(req.act))
        << "line " << line;
  }
  return r;
}

}  // namespace

// Go's closeEnough: within a relative 1e-9.
void expect_close(rate::Limit got, rate::Limit want) {
  EXPECT_LT(std::abs(got / want) - 1.0, 1e-9) << got << " want " << want;
}

TEST(RateEvery, GoValues) {
  EXPECT_EQ(rate::every(0ns), rate::inf);
  EXPECT_EQ(rate::every(-1ns), rate::inf);
  expect_close(rate::every(1ns), 1e9);
  expect_close(rate::every(1us), 1e6);
  expect_close(rate::every(1ms), 1e3);
  expect_close(rate::every(10ms), 100);
  expect_close(rate::every(100ms), 10);
  expect_close(rate::every(1s), 1);
  expect_close(rate::every(2s), 0.5);
  expect_close(rate::every(2500ms), 0.4);
  expect_close(rate::every(4s), 0.25);
  expect_close(rate::every(10s), 0.1);
  expect_close(rate::every(time::Duration::max()), 1e9 / static_cast<double>(INT64_MAX));
}

TEST(RatePer, DividesTheDurationInWholeNanoseconds) {
  EXPECT_EQ(rate::per(2, 1s), rate::every(500ms));
  EXPECT_EQ(rate::per(10, 1min), rate::every(6s));
  EXPECT_EQ(rate::per(3, 1s), rate::every(333333333ns));
  EXPECT_THROW(rate::per(0, 1s), Panic);
  EXPECT_THROW(rate::per(-1, 1s), Panic);
}

TEST(RateLimiter, Burst1) {
  rate::Limiter lim(10, 1);
  run_allows(lim, {
                      {t0, 1, 1, true},
                      {t0, 0, 1, false},
                      {t0, 0, 1, false},
                      {t1, 1, 1, true},
                      {t1, 0, 1, false},
                      {t1, 0, 1, false},
                      {t2, 1, 2, false},  // n above the burst always fails
                      {t2, 1, 1, true},
                      {t2, 0, 1, false},
                  });
}

TEST(RateLimiter, Burst3) {
  rate::Limiter lim(10, 3);
  run_allows(lim, {
                      {t0, 3, 2, true},
                      {t0, 1, 2, false},
                      {t0, 1, 1, true},
                      {t0, 0, 1, false},
                      {t1, 1, 4, false},
                      {t2, 2, 1, true},
                      {t3, 2, 1, true},
                      {t4, 2, 1, true},
                      {t4, 1, 1, true},
                      {t4, 0, 1, false},
                      {t4, 0, 1, false},
                      {t9, 3, 3, true},
                      {t9, 0, 0, true},
                  });
}

TEST(RateLimiter, JumpBackwards) {
  rate::Limiter lim(10, 3);
  run_allows(lim, {
                      {t1, 3, 1, true},  // start at t1
                      {t0, 2, 1, true},  // back to t0: nothing refilled, two tokens left
                      {t0, 1, 1, true},
                      {t0, 0, 1, false},
                      {t0, 0, 1, false},
                      {t1, 1, 1, true},  // a token from t0 to t1
                      {t1, 0, 1, false},
                      {t1, 0, 1, false},
                      {t2, 1, 1, true},
                      {t2, 0, 1, false},
                      {t2, 0, 1, false},
                  });
}

// Go's TestLimiter_noTruncationErrors (golang.org/issue/34861).
TEST(RateLimiter, NoTruncationErrors) {
  rate::Limiter lim(0.7692307692307693, 1);
  EXPECT_TRUE(lim.allow());
}

TEST(RateLimiter, ZeroLimitAllowsTheBurstOnly) {
  rate::Limiter lim(0, 1);
  EXPECT_TRUE(lim.allow());
  EXPECT_FALSE(lim.allow());
  EXPECT_FALSE(lim.allow_n(time::add(t0, 1000h), 1));  // never refills
  // A reservation that needs tokens is ok, for ever from now.
  rate::Reservation r = lim.reserve_n(t1, 1);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.delay_from(t1), rate::inf_duration);
}

TEST(RateLimiter, ZeroValueRejectsEverything) {
  rate::Limiter lim;
  EXPECT_EQ(lim.limit(), 0);
  EXPECT_EQ(lim.burst(), 0);
  EXPECT_FALSE(lim.allow());
  EXPECT_FALSE(lim.reserve().ok());
  EXPECT_TRUE(lim.allow_n(t0, 0));
}

TEST(RateLimiter, InfAllowsEverythingAndTakesNothing) {
  rate::Limiter lim(rate::inf, 0);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(lim.allow_n(t0, 1000));
  rate::Reservation r = lim.reserve_n(t0, 5);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.delay_from(t0), 0ns);
  EXPECT_EQ(lim.wait_n(context::background(), 3), Error());  // n above the burst: no error
}

TEST(RateReserve, Simple) {
  rate::Limiter lim(10, 2);
  reserve(lim, {t0, 2, t0, true}, __LINE__);
  reserve(lim, {t0, 2, t2, true}, __LINE__);
  reserve(lim, {t3, 2, t4, true}, __LINE__);
}

TEST(RateReserve, Mix) {
  rate::Limiter lim(10, 2);
  reserve(lim, {t0, 3, t1, false}, __LINE__);  // n above the burst
  reserve(lim, {t0, 2, t0, true}, __LINE__);
  run_allows(lim, {{t1, 1, 2, false}});  // not enough tokens
  reserve(lim, {t1, 2, t2, true}, __LINE__);
  run_allows(lim, {{t1, -1, 1, false}});  // tokens owed
  run_allows(lim, {{t3, 1, 1, true}});
}

TEST(RateReserve, CancelInvalid) {
  rate::Limiter lim(10, 2);
  reserve(lim, {t0, 2, t0, true}, __LINE__);
  rate::Reservation r = reserve(lim, {t0, 3, t3, false}, __LINE__);
  r.cancel_at(t0);  // no effect
  reserve(lim, {t0, 2, t2, true}, __LINE__);
}

TEST(RateReserve, CancelLast) {
  rate::Limiter lim(10, 2);
  reserve(lim, {t0, 2, t0, true}, __LINE__);
  rate::Reservation r = reserve(lim, {t0, 2, t2, true}, __LINE__);
  r.cancel_at(t1);  // two tokens back
  reserve(lim, {t1, 2, t2, true}, __LINE__);
}

TEST(RateReserve, CancelTooLate) {
  rate::Limiter lim(10, 2);
  reserve(lim, {t0, 2, t0, true}, __LINE__);
  rate::Reservation r = reserve(lim, {t0, 2, t2, true}, __LINE__);
  r.cancel_at(t3);  // its time has passed: no effect
  reserve(lim, {t3, 2, t4, true}, __LINE__);
}

TEST(RateReserve, Cancel0Tokens) {
  rate::Limiter lim(10, 2);
  reserve(lim, {t0, 2, t0, true}, __LINE__);
  rate::Reservation r = reserve(lim, {t0, 1, t1, true}, __LINE__);
  reserve(lim, {t0, 1, t2, true}, __LINE__);
  r.cancel_at(t0);  // a later reservation used its token: nothing back
  reserve(lim, {t0, 1, t3, true}, __LINE__);
}

TEST(RateReserve, Cancel1Token) {
  rate::Limiter lim(10, 2);
  reserve(lim, {t0, 2, t0, true}, __LINE__);
  rate::Reservation r = reserve(lim, {t0, 2, t2, true}, __LINE__);
  reserve(lim, {t0, 1, t3, true}, __LINE__);
  r.cancel_at(t2);  // one token back
  reserve(lim, {t2, 2, t4, true}, __LINE__);
}

TEST(RateReserve, CancelMulti) {
  rate::Limiter lim(10, 4);
  reserve(lim, {t0, 4, t0, true}, __LINE__);
  rate::Reservation a = reserve(lim, {t0, 3, t3, true}, __LINE__);
  reserve(lim, {t0, 1, t4, true}, __LINE__);
  rate::Reservation c = reserve(lim, {t0, 1, t5, true}, __LINE__);
  c.cancel_at(t1);  // one token back
  a.cancel_at(t1);  // two back, as if c had never been reserved
  reserve(lim, {t1, 3, t5, true}, __LINE__);
}

TEST(RateReserve, CancelTwiceGivesBackOnce) {
  rate::Limiter lim(10, 2);
  reserve(lim, {t0, 2, t0, true}, __LINE__);
  rate::Reservation r = reserve(lim, {t0, 2, t2, true}, __LINE__);
  r.cancel_at(t1);
  r.cancel_at(t1);
  EXPECT_EQ(lim.tokens_at(t1), 1);
  rate::Reservation moved = std::move(r);
  moved.cancel_at(t1);
  EXPECT_FALSE(r.ok());  // NOLINT(bugprone-use-after-move): a moved-from one is not ok
  EXPECT_EQ(lim.tokens_at(t1), 1);
}

TEST(RateReserve, JumpBack) {
  rate::Limiter lim(10, 2);
  reserve(lim, {t1, 2, t1, true}, __LINE__);  // start at t1
  reserve(lim, {t0, 1, t1, true}, __LINE__);  // back to t0: owes a token
  reserve(lim, {t2, 2, t3, true}, __LINE__);
}

TEST(RateReserve, JumpBackCancel) {
  rate::Limiter lim(10, 2);
  reserve(lim, {t1, 2, t1, true}, __LINE__);  // start at t1
  rate::Reservation r = reserve(lim, {t1, 2, t3, true}, __LINE__);
  reserve(lim, {t1, 1, t4, true}, __LINE__);
  r.cancel_at(t0);  // at t0: one token back
  reserve(lim, {t1, 2, t4, true}, __LINE__);
}

TEST(RateReserve, SetLimit) {
  rate::Limiter lim(5, 2);
  reserve(lim, {t0, 2, t0, true}, __LINE__);
  reserve(lim, {t0, 2, t4, true}, __LINE__);
  lim.set_limit_at(t2, 10);
  reserve(lim, {t2, 1, t4, true}, __LINE__);
  EXPECT_EQ(lim.limit(), 10);
}

TEST(RateReserve, SetBurst) {
  rate::Limiter lim(5, 2);
  reserve(lim, {t0, 2, t0, true}, __LINE__);
  reserve(lim, {t0, 2, t4, true}, __LINE__);
  lim.set_burst_at(t3, 4);
  reserve(lim, {t0, 4, t9, true}, __LINE__);
  EXPECT_EQ(lim.burst(), 4);
}

TEST(RateReserve, SetLimitThenCancel) {
  rate::Limiter lim(5, 2);
  reserve(lim, {t0, 2, t0, true}, __LINE__);
  rate::Reservation r = reserve(lim, {t0, 2, t4, true}, __LINE__);
  lim.set_limit_at(t2, 10);
  r.cancel_at(t2);  // two tokens back
  reserve(lim, {t2, 2, t3, true}, __LINE__);
}

TEST(RateReserve, DelayOfAFailedReservationIsInfinite) {
  rate::Limiter lim(10, 1);
  rate::Reservation r = lim.reserve_n(t0, 2);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.delay_from(t0), rate::inf_duration);
  EXPECT_EQ(rate::Reservation().delay(), rate::inf_duration);
}

TEST(RateReserve, HugeWaitsSaturate) {
  rate::Limiter lim(1e-12, 1);
  EXPECT_TRUE(lim.allow_n(t0, 1));
  rate::Reservation r = lim.reserve_n(t0, 1);  // 1e12 seconds: beyond int64 nanoseconds
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.delay_from(t0), rate::inf_duration);
  EXPECT_FALSE(lim.allow_n(time::Time::max(), 1));
}

TEST(RateWait, Simple) {
  rate::Limiter lim(rate::every(20ms), 3);
  auto [cancelled, cancel] = context::with_cancel(context::background());
  cancel();
  EXPECT_EQ(lim.wait(cancelled), context::canceled);
  Error burst = lim.wait_n(context::background(), 4);
  EXPECT_EQ(burst.message(), "rate: Wait(n=4) exceeds limiter's burst 3");
  auto start = time::now();
  EXPECT_EQ(lim.wait_n(context::background(), 2), Error());  // at once
  EXPECT_EQ(lim.wait_n(context::background(), 3), Error());  // two tokens short: ~40 ms
  EXPECT_GE(time::since(start), 35ms);  // timers never fire early; refill is exact
  EXPECT_LT(time::since(start), 10s);
}

TEST(RateWait, CancelledWhileWaitingGivesTheTokensBack) {
  rate::Limiter lim(rate::every(1h), 3);
  EXPECT_EQ(lim.wait_n(context::background(), 2), Error());  // one token left
  auto [ctx, cancel] = context::with_cancel(context::background());
  go([cancel = cancel] {
    time::sleep(10ms);
    cancel();
  });
  EXPECT_EQ(lim.wait_n(ctx, 3), context::canceled);
  EXPECT_GE(lim.tokens(), 1.0);   // the three went back, less what was owed
  EXPECT_LT(lim.tokens(), 1.01);  // an hour's refill rate: nothing visible
  EXPECT_EQ(lim.wait_n(context::background(), 1), Error());
}

TEST(RateWait, WouldExceedTheDeadline) {
  rate::Limiter lim(rate::every(1s), 3);
  auto [ctx, cancel] = context::with_timeout(context::background(), 1min);
  EXPECT_EQ(lim.wait_n(ctx, 2), Error());
  auto [soon, cancel_soon] = context::with_timeout(context::background(), 100ms);
  auto start = time::now();
  Error err = lim.wait_n(soon, 3);  // two seconds short
  EXPECT_EQ(err.message(), "rate: Wait(n=3) would exceed context deadline");
  EXPECT_LT(time::since(start), 5s);  // at once, not after the deadline
  EXPECT_GE(lim.tokens(), 0.99);      // took nothing
  cancel();
  cancel_soon();
}

TEST(RateWait, FromAPlainThread) {
  rate::Limiter lim(rate::every(5ms), 1);
  std::thread t([&] {
    for (int i = 0; i < 4; ++i) EXPECT_EQ(lim.wait(context::background()), Error());
  });
  t.join();
}

// Go's TestSimultaneousRequests, at one instant: exactly the burst gets through.
TEST(RateLimiter, ConcurrentAllowsAtOneInstantLetExactlyTheBurstThrough) {
  run_with_procs(2, [] {
    rate::Limiter lim(1, 50);
    std::atomic<int> ok{0};
    sync::WaitGroup wg;
    for (int g = 0; g < 16; ++g) {
      wg.go([&] {
        for (int i = 0; i < 20; ++i)
          if (lim.allow_n(t0, 1)) ok.fetch_add(1);
      });
    }
    std::thread plain([&] {
      for (int i = 0; i < 20; ++i)
        if (lim.allow_n(t0, 1)) ok.fetch_add(1);
    });
    wg.wait();
    plain.join();
    EXPECT_EQ(ok.load(), 50);
  });
}

// Many waiters share the tokens: every one gets through, none twice, and the total
// is paced by the limit.
TEST(RateLimiter, ConcurrentWaitersArePaced) {
  run_with_procs(2, [] {
    rate::Limiter lim(rate::every(1ms), 1);
    std::atomic<int> done{0};
    sync::WaitGroup wg;
    auto start = time::now();
    for (int g = 0; g < 40; ++g) {
      wg.go([&] {
        if (!lim.wait(context::background())) done.fetch_add(1);
      });
    }
    wg.wait();
    EXPECT_EQ(done.load(), 40);
    EXPECT_GE(time::since(start), 38ms);  // 39 refills of 1 ms after the first token
  });
}

TEST(RateMultiLimiter, WaitsOnEachStrictestFirst) {
  rate::Limiter per_second(rate::per(2, 1s), 1);
  rate::Limiter per_minute(rate::per(10, 1min), 10);
  rate::MultiLimiter both(per_minute, per_second);
  EXPECT_EQ(both.limit(), per_minute.limit());  // sorted: the strictest first
  EXPECT_EQ(both.wait(context::background()), Error());
  EXPECT_NEAR(per_minute.tokens(), 9, 0.01);
  EXPECT_NEAR(per_second.tokens(), 0, 0.01);
  rate::MultiLimiter none;
  EXPECT_EQ(none.limit(), rate::inf);
  EXPECT_EQ(none.wait(context::background()), Error());
}

TEST(RateMultiLimiter, ReturnsTheFirstError) {
  rate::Limiter open(rate::inf, 1);
  rate::Limiter empty(0, 0);
  rate::MultiLimiter both(std::vector<rate::RateLimiter*>{&open, &empty});
  EXPECT_EQ(both.limit(), 0);
  Error err = both.wait(context::background());
  EXPECT_EQ(err.message(), "rate: Wait(n=1) exceeds limiter's burst 0");
}

TEST(RateFixedWindow, AllowsTheLimitPerWindow) {
  rate::FixedWindow w(3, 1s);
  EXPECT_EQ(w.limit(), 3);
  // Windows are whole seconds of the steady clock.
  time::Time base(std::chrono::duration_cast<time::Duration>(
      std::chrono::ceil<std::chrono::seconds>(t0.time_since_epoch())));
  EXPECT_TRUE(w.allow_n(base, 2));
  EXPECT_TRUE(w.allow_n(base + 500ms, 1));
  EXPECT_FALSE(w.allow_n(base + 999ms, 1));
  EXPECT_TRUE(w.allow_n(base + 1s, 3));  // a new window
  EXPECT_FALSE(w.allow_n(base + 1500ms, 1));
  EXPECT_FALSE(w.allow_n(base, 1));  // earlier than seen: counts as the latest time
  EXPECT_TRUE(w.allow_n(base, 0));
  EXPECT_TRUE(w.allow_n(base + 2s, 1));
  EXPECT_THROW(rate::FixedWindow(1, 0s), Panic);
  EXPECT_THROW(rate::FixedWindow(-1, 1s), Panic);
}

TEST(RateFixedWindow, WaitErrorsAndWaits) {
  rate::FixedWindow w(2, 30ms);
  EXPECT_EQ(w.wait_n(context::background(), 3).message(), "rate: Wait(n=3) exceeds limit 2");
  auto [cancelled, cancel] = context::with_cancel(context::background());
  cancel();
  EXPECT_EQ(w.wait(cancelled), context::canceled);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(w.wait(context::background()), Error());
  // One window of a century: the next one starts long after any deadline here.
  rate::FixedWindow slow(1, std::chrono::hours(24 * 365 * 100));
  EXPECT_EQ(slow.wait(context::background()), Error());
  auto [soon, cancel_soon] = context::with_timeout(context::background(), 50ms);
  EXPECT_EQ(slow.wait(soon).message(), "rate: Wait(n=1) would exceed context deadline");
  cancel_soon();
}

TEST(RateSlidingLog, CountsEventsInAnyWindowLongSpan) {
  rate::SlidingLog log(3, 1s);
  EXPECT_TRUE(log.allow_n(t0, 2));
  EXPECT_TRUE(log.allow_n(t0 + 500ms, 1));
  EXPECT_FALSE(log.allow_n(t0 + 999ms, 1));
  EXPECT_TRUE(log.allow_n(t0 + 1s, 2));  // the two at t0 expired at t0 + 1s
  EXPECT_FALSE(log.allow_n(t0 + 1400ms, 1));
  EXPECT_TRUE(log.allow_n(t0 + 1500ms, 1));  // the one at 500 ms expired
  EXPECT_THROW(rate::SlidingLog(1, -1s), Panic);
}

TEST(RateSlidingLog, WaitGoesWhenTheOldestExpire) {
  rate::SlidingLog log(2, 40ms);
  auto start = time::now();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(log.wait(context::background()), Error());
  EXPECT_GE(time::since(start), 40ms);  // the third waited for the first to expire
  EXPECT_EQ(log.wait_n(context::background(), 3).message(), "rate: Wait(n=3) exceeds limit 2");
  rate::SlidingLog slow(1, 1h);
  EXPECT_TRUE(slow.allow());
  auto [soon, cancel] = context::with_timeout(context::background(), 50ms);
  EXPECT_EQ(slow.wait(soon).message(), "rate: Wait(n=1) would exceed context deadline");
  cancel();
}

TEST(RateLeakyBucket, SteadyOutflowWithoutBursts) {
  rate::LeakyBucket b(10, 0);
  EXPECT_EQ(b.limit(), 10);
  EXPECT_TRUE(b.allow_n(t0, 1));
  EXPECT_FALSE(b.allow_n(t0 + 50ms, 1));
  EXPECT_TRUE(b.allow_n(t0 + 100ms, 2));  // holds the outlet 200 ms
  EXPECT_FALSE(b.allow_n(t0 + 299ms, 1));
  EXPECT_TRUE(b.allow_n(t0 + 300ms, 1));
  rate::LeakyBucket all(rate::inf, 0);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(all.allow_n(t0, 100));
  rate::LeakyBucket once(0, 0);
  EXPECT_TRUE(once.allow_n(t0, 1));
  EXPECT_FALSE(once.allow_n(time::add(t0, 1000h), 1));
  EXPECT_THROW(rate::LeakyBucket(-1, 0), Panic);
  EXPECT_THROW(rate::LeakyBucket(1, -1), Panic);
}

TEST(RateLeakyBucket, QueueFullAndTurnsGiven) {
  rate::LeakyBucket b(rate::every(1h), 1);
  EXPECT_EQ(b.wait(context::background()), Error());  // the outlet is free
  auto [ctx, cancel] = context::with_cancel(context::background());
  auto queued = make_chan<Error>(1);
  go([&b, queued, ctx = ctx] { queued.send(b.wait(ctx)); });
  // The first waiter holds the only queue slot once the bucket is full for others.
  EXPECT_TRUE(gocxx::testing::eventually([&] {
    // Shorter than the next turn: before the goroutine queues, this fails at once
    // on the deadline instead of queueing itself.
    auto [probe, stop] = context::with_timeout(context::background(), 30min);
    Error err = b.wait(probe);
    stop();
    return err.message() == "rate: leaky bucket full";
  }));
  cancel();
  EXPECT_EQ(*queued.recv(), context::canceled);
  // Its turn went back: a deadline two hours out fits the next turn again.
  auto [later, stop_later] = context::with_timeout(context::background(), 90min);
  go([stop_later = stop_later] {
    time::sleep(20ms);
    stop_later();
  });
  EXPECT_EQ(b.wait(later), context::canceled);  // queued (it fits), then cancelled
}

TEST(RateLeakyBucket, WaitersArePaced) {
  rate::LeakyBucket b(rate::every(10ms), 10);
  auto start = time::now();
  sync::WaitGroup wg;
  std::atomic<int> ok{0};
  for (int i = 0; i < 5; ++i) {
    wg.go([&] {
      if (!b.wait(context::background())) ok.fetch_add(1);
    });
  }
  wg.wait();
  EXPECT_EQ(ok.load(), 5);
  EXPECT_GE(time::since(start), 40ms);  // four turns of 10 ms after the first
}

TEST(RateSometimes, FirstEveryAndInterval) {
  rate::Sometimes first;
  first.first = 3;
  int runs = 0;
  for (int i = 0; i < 10; ++i) first.call([&] { ++runs; });
  EXPECT_EQ(runs, 3);

  rate::Sometimes every;
  every.every = 4;
  std::vector<int> ran;
  for (int i = 0; i < 10; ++i) every.call([&] { ran.push_back(i); });
  EXPECT_EQ(ran, (std::vector<int>{0, 4, 8}));

  rate::Sometimes none;  // no filters: only the first call
  runs = 0;
  for (int i = 0; i < 5; ++i) none.call([&] { ++runs; });
  EXPECT_EQ(runs, 1);

  rate::Sometimes interval;
  interval.interval = 1h;
  runs = 0;
  for (int i = 0; i < 5; ++i) interval.call([&] { ++runs; });
  EXPECT_EQ(runs, 1);
  rate::Sometimes often;
  often.interval = 1ns;
  runs = 0;
  for (int i = 0; i < 3; ++i) {
    often.call([&] { ++runs; });
    time::sleep(1ms);
  }
  EXPECT_EQ(runs, 3);
}

TEST(RateSometimes, CallsAreSerializedAndCounted) {
  run_with_procs(2, [] {
    rate::Sometimes s;
    s.every = 10;
    int runs = 0;  // written only inside call(): the lock orders it
    sync::WaitGroup wg;
    for (int g = 0; g < 8; ++g) {
      wg.go([&] {
        for (int i = 0; i < 25; ++i) s.call([&] { ++runs; });
      });
    }
    wg.wait();
    EXPECT_EQ(runs, 20);  // calls 0, 10, ..., 190 of 200
  });
}
