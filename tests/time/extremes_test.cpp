// Extreme durations and instants in every API that takes one: nothing overflows
// (the asan preset adds UBSan, which turns any signed overflow into a failure),
// and each behaves as Go does with math.MaxInt64 / math.MinInt64 durations and
// instants far in the past or future: a wait that long never ends, a deadline in
// the past has already expired, differences saturate.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <thread>

#include "gocxx/gocxx.hpp"
#include "test_util.hpp"

using namespace gocxx;
using namespace std::chrono_literals;

namespace {

using time::Duration;
using time::Time;

constexpr auto kHuge = std::chrono::hours::max();
constexpr auto kHugeNegative = std::chrono::hours::min();
const std::chrono::duration<double> kInfinity{std::numeric_limits<double>::infinity()};
const std::chrono::duration<double> kNaN{std::numeric_limits<double>::quiet_NaN()};

// Whether c delivers within d.
template <class T>
bool receives_within(const RecvChan<T>& c, Duration d) {
  return select(recv(c), recv(time::after(d))) == 0;
}

}  // namespace

TEST(Extremes, DurationsSaturateAtTheInt64Range) {
  using gocxx::detail::saturating_ns;
  EXPECT_EQ(saturating_ns(kHuge), INT64_MAX);
  EXPECT_EQ(saturating_ns(kHugeNegative), INT64_MIN);
  EXPECT_EQ(saturating_ns(std::chrono::nanoseconds::max()), INT64_MAX);
  EXPECT_EQ(saturating_ns(std::chrono::nanoseconds::min()), INT64_MIN);
  EXPECT_EQ(saturating_ns(std::chrono::seconds(9'223'372'037)), INT64_MAX);  // just past
  EXPECT_EQ(saturating_ns(std::chrono::seconds(9'223'372'036)), 9'223'372'036'000'000'000);
  EXPECT_EQ(saturating_ns(kInfinity), INT64_MAX);
  EXPECT_EQ(saturating_ns(-kInfinity), INT64_MIN);
  EXPECT_EQ(saturating_ns(kNaN), 0);
  EXPECT_EQ(saturating_ns(std::chrono::duration<unsigned long long>(~0ULL)), INT64_MAX);
  EXPECT_EQ(saturating_ns(std::chrono::duration<double, std::milli>(1.5)), 1'500'000);
  EXPECT_EQ(saturating_ns(std::chrono::duration<long long, std::pico>(2500)), 2);
}

TEST(Extremes, AddAndSubSaturateLikeGosTimeAddAndSub) {
  Time now = time::now();
  EXPECT_EQ(time::add(now, kHuge), Time::max());
  EXPECT_EQ(time::add(now, kHugeNegative) - Time{}, now - Time{} + Duration::min());  // fits
  EXPECT_EQ(time::add(time::add(now, kHugeNegative), kHugeNegative), Time::min());
  EXPECT_EQ(time::add(Time::max(), 1ns), Time::max());
  EXPECT_EQ(time::add(Time::min(), -1ns), Time::min());
  EXPECT_EQ(time::add(now, 5s) - now, 5s);
  EXPECT_EQ(time::sub(Time::max(), Time::min()), Duration::max());
  EXPECT_EQ(time::sub(Time::min(), Time::max()), Duration::min());
  EXPECT_EQ(time::since(Time::min()), Duration::max());
  EXPECT_EQ(time::until(Time::min()), Duration::min());
  EXPECT_GT(time::until(Time::max()), std::chrono::hours(24 * 365 * 200));  // 292 years less uptime
  EXPECT_LT(time::since(Time::max()), Duration::zero());
  EXPECT_EQ(time::to_string(Duration::max()), "2562047h47m16.854775807s");
  EXPECT_EQ(time::to_string(Duration::min()), "-2562047h47m16.854775808s");
}

TEST(Extremes, SleepReturnsAtOnceForNonPositiveDurations) {
  run([] {
    time::sleep(kHugeNegative);
    time::sleep(std::chrono::nanoseconds::min());
    time::sleep(-kInfinity);
    time::sleep(kNaN);
  });
  // And from a plain thread.
  time::sleep(kHugeNegative);
  time::sleep(kNaN);
}

TEST(Extremes, AnEndlessSleepNeverWakesButOthersRunOn) {
  run([] {
    auto slept = make_chan<>();
    go([slept] {
      time::sleep(kHuge);  // parked for ~292 years
      slept.close();
    });
    go([slept] {
      time::sleep(kInfinity);
      slept.close();
    });
    EXPECT_FALSE(receives_within(RecvChan<Unit>(slept), 20ms));
    time::sleep(1ms);  // ordinary timers still fire with endless ones pending
  });
}

TEST(Extremes, TimersAndAfterWithEndlessAndPastDurations) {
  run([] {
    EXPECT_FALSE(receives_within(time::after(kHuge), 10ms));
    EXPECT_FALSE(receives_within(time::after(kInfinity), 10ms));
    EXPECT_TRUE(receives_within(time::after(kHugeNegative), 5s));
    EXPECT_TRUE(receives_within(time::after(std::chrono::nanoseconds::min()), 5s));
    EXPECT_TRUE(receives_within(time::after(kNaN), 5s));

    time::Timer t = time::new_timer(kHuge);
    EXPECT_FALSE(receives_within(t.c, 10ms));
    EXPECT_TRUE(t.reset(kHugeNegative));  // it was pending; now due at once
    EXPECT_TRUE(receives_within(t.c, 5s));
    EXPECT_FALSE(t.reset(kHuge));
    EXPECT_TRUE(t.stop());

    auto fired = make_chan<>(1);
    time::Timer f = time::after_func(kHuge, [fired] { fired.send({}); });
    EXPECT_FALSE(receives_within(RecvChan<Unit>(fired), 10ms));
    EXPECT_TRUE(f.reset(kHugeNegative));
    EXPECT_TRUE(receives_within(RecvChan<Unit>(fired), 5s));
    EXPECT_FALSE(f.stop());
  });
}

TEST(Extremes, TickersWithEndlessPeriods) {
  run([] {
    time::Ticker t = time::new_ticker(kHuge);
    EXPECT_FALSE(receives_within(t.c, 10ms));
    t.reset(std::chrono::nanoseconds::max());
    EXPECT_FALSE(receives_within(t.c, 10ms));
    t.reset(1ms);  // a short period after an endless one
    EXPECT_TRUE(receives_within(t.c, 5s));
    t.reset(kInfinity);
    t.stop();
    EXPECT_FALSE(bool(time::tick(kHugeNegative)));  // Go's Tick: nil for d <= 0
    EXPECT_FALSE(receives_within(time::tick(kHuge), 10ms));
    try {
      time::new_ticker(kHugeNegative);
      ADD_FAILURE() << "no panic";
    } catch (const Panic& p) {
      EXPECT_STREQ(p.what(), "non-positive interval for NewTicker");
    }
  });
}

TEST(Extremes, AnEndlessTimeoutHasTheLastInstantAsDeadline) {
  auto [ctx, cancel] = context::with_timeout(context::background(), kHuge);
  ASSERT_TRUE(ctx.deadline().has_value());
  EXPECT_EQ(*ctx.deadline(), Time::max());
  EXPECT_FALSE(ctx.err());
  auto [ctx2, cancel2] = context::with_timeout(context::background(), kInfinity);
  EXPECT_EQ(*ctx2.deadline(), Time::max());
  auto [ctx3, cancel3] = context::with_timeout_cause(context::background(), kHuge, Error());
  EXPECT_EQ(*ctx3.deadline(), Time::max());
  RecvChan<Unit> done = ctx.done();  // (Clang 14 cannot capture structured bindings)
  run([&] { EXPECT_FALSE(receives_within(done, 10ms)); });
  cancel();
  cancel2();
  cancel3();
  EXPECT_EQ(ctx.err(), context::canceled);
}

TEST(Extremes, AChildWithAnEndlessTimeoutKeepsItsParentsDeadline) {
  auto [parent, cancel] = context::with_timeout(context::background(), 100ms);
  auto [child, cancel_child] = context::with_timeout(parent, kHuge);
  ASSERT_TRUE(child.deadline().has_value());
  EXPECT_EQ(*child.deadline(), *parent.deadline());
  auto [child2, cancel_child2] = context::with_deadline(parent, Time::max());
  EXPECT_EQ(*child2.deadline(), *parent.deadline());
  context::Context c1 = child;  // (Clang 14 cannot capture structured bindings)
  context::Context c2 = child2;
  run([&] {
    c1.done().recv();
    EXPECT_EQ(c1.err(), context::deadline_exceeded);
    c2.done().recv();
  });
  cancel_child();
  cancel_child2();
  cancel();
}

TEST(Extremes, APastDeadlineExpiresAtOnceHoweverFarBack) {
  for (Time past :
       {Time::min(), time::add(Time::min(), 1ns), Time{}, time::add(time::now(), -1ns)}) {
    auto [ctx, cancel] = context::with_deadline(context::background(), past);
    EXPECT_EQ(ctx.err(), context::deadline_exceeded);
    EXPECT_EQ(*ctx.deadline(), past);
    cancel();
  }
  for (auto d : {kHugeNegative, std::chrono::hours(0)}) {
    auto [ctx, cancel] = context::with_timeout(context::background(), d);
    EXPECT_EQ(ctx.err(), context::deadline_exceeded);
    cancel();
  }
  auto [ctx, cancel] = context::with_timeout(context::background(), -kInfinity);
  EXPECT_EQ(ctx.err(), context::deadline_exceeded);
  cancel();
}

TEST(Extremes, AnEndlessDeadlineNeverExpires) {
  auto [ctx, cancel] = context::with_deadline(context::background(), Time::max());
  EXPECT_EQ(*ctx.deadline(), Time::max());
  RecvChan<Unit> done = ctx.done();  // (Clang 14 cannot capture structured bindings)
  run([&] { EXPECT_FALSE(receives_within(done, 10ms)); });
  EXPECT_FALSE(ctx.err());
  cancel();
}

// From a plain thread, as from a goroutine: a deadline past the end is never
// reached, one before the beginning at once.
TEST(Extremes, PlainThreadsSeeTheSameRules) {
  std::thread t([] {
    auto [ctx, cancel] = context::with_timeout(context::background(), kHuge);
    EXPECT_EQ(*ctx.deadline(), Time::max());
    auto [old, cancel_old] = context::with_deadline(context::background(), Time::min());
    old.done().recv();
    EXPECT_EQ(old.err(), context::deadline_exceeded);
    EXPECT_TRUE(receives_within(time::after(kHugeNegative), 5s));
    EXPECT_FALSE(receives_within(time::after(kHuge), 10ms));
    cancel();
    cancel_old();
  });
  t.join();
}
