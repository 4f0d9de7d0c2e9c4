// The time package: sleeping, timers and tickers (Go 1.23+ semantics).
//
//   time::sleep(10ms);                                   // parks the goroutine
//   select(recv(ch, v), recv(time::after(1s), [&](auto) { timed_out = true; }));
//   auto t = time::new_timer(50ms);  ... t.stop();  t.reset(1s);
//   for (auto tick = time::tick(100ms);;) { tick.recv(); ... }
//
// Durations are any std::chrono::duration and instants std::chrono::steady_clock
// time points. Every function here takes any of them, extremes included
// (hours::max(), Time::min(), a NaN or infinite double duration): durations are
// converted to nanoseconds saturating at the int64 range, and an instant plus a
// duration saturates at Time::max() ("never") or Time::min() ("long past"), so
// nothing overflows. Use time::add and time::sub for the same arithmetic. Timers never
// fire early. As in Go 1.23: after stop() or reset() returns, no value from the
// previous configuration is received; a timer or ticker nobody references any more
// is released even if it was never stopped; a ticker drops ticks a slow receiver
// misses; a timer's channel reports len() and cap() 0. Timer and Ticker are
// copyable handles to the same timer.
#pragma once

#include <chrono>
#include <climits>
#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>

#include "chan.hpp"
#include "detail/bubble.hpp"
#include "errors.hpp"

namespace gocxx::rt {
struct Timer;  // the runtime's timer (src/runtime/timer.hpp)
}  // namespace gocxx::rt

namespace gocxx::time {

using Duration = std::chrono::nanoseconds;
using Time = std::chrono::steady_clock::time_point;

}  // namespace gocxx::time

namespace gocxx::detail {

// Any duration as nanoseconds, clamped to the int64 range instead of overflowing
// (NaN counts as zero).
template <class Rep, class Period>
constexpr std::int64_t saturating_ns(std::chrono::duration<Rep, Period> d) {
  using ToNs = std::ratio_divide<Period, std::nano>;
  if constexpr (std::is_integral_v<Rep> && std::is_signed_v<Rep> && sizeof(Rep) <= 8 &&
                ToNs::den == 1) {
    std::int64_t ns = 0;
    if (__builtin_mul_overflow(static_cast<std::int64_t>(d.count()),
                               static_cast<std::int64_t>(ToNs::num), &ns)) {
      return d.count() > 0 ? INT64_MAX : INT64_MIN;
    }
    return ns;
  } else {
    using Wide = std::chrono::duration<long double, std::nano>;
    long double ns = std::chrono::duration_cast<Wide>(d).count();
    if (ns != ns) return 0;
    if (ns >= static_cast<long double>(INT64_MAX)) return INT64_MAX;
    if (ns <= static_cast<long double>(INT64_MIN)) return INT64_MIN;
    return static_cast<std::int64_t>(ns);
  }
}

static_assert(std::is_same_v<std::chrono::steady_clock::duration, std::chrono::nanoseconds>,
              "gocxx's instants count int64 nanoseconds");

constexpr std::int64_t saturating_add(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? INT64_MAX : INT64_MIN;
  return r;
}

constexpr std::int64_t saturating_sub(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t r = 0;
  if (__builtin_sub_overflow(a, b, &r)) return b < 0 ? INT64_MAX : INT64_MIN;
  return r;
}

void sleep_ns(std::int64_t ns);

// A counted reference to a runtime timer.
class TimerRef {
 public:
  TimerRef() noexcept = default;
  explicit TimerRef(rt::Timer* adopt) noexcept : t_(adopt) {}
  TimerRef(const TimerRef& o) noexcept;
  TimerRef(TimerRef&& o) noexcept : t_(std::exchange(o.t_, nullptr)) {}
  TimerRef& operator=(TimerRef o) noexcept {
    std::swap(t_, o.t_);
    return *this;
  }
  ~TimerRef();
  rt::Timer* get() const noexcept { return t_; }

 private:
  rt::Timer* t_ = nullptr;
};

struct ChanTimer {
  Chan<time::Time> c;
  TimerRef ref;
};
ChanTimer make_chan_timer(std::int64_t when_ns, std::int64_t period_ns);
TimerRef make_func_timer(std::int64_t when_ns, std::function<void()> f);
bool timer_stop(const TimerRef& t, const char* uninitialized_msg);
bool timer_reset(const TimerRef& t, std::int64_t delay_ns, std::int64_t period_ns,
                 const char* uninitialized_msg);

}  // namespace gocxx::detail

namespace gocxx::time {

// Pauses the calling goroutine (or thread) for at least d. d <= 0 returns at once.
template <class Rep, class Period>
void sleep(std::chrono::duration<Rep, Period> d) {
  detail::sleep_ns(detail::saturating_ns(d));
}

// The current instant: inside a fake-time bubble (gocxx::testing::bubble), the
// bubble's clock.
inline Time now() noexcept {
  if (detail::g_bubbles_alive.load(std::memory_order_relaxed) != 0) [[unlikely]]
    return detail::bubble_aware_now();
  return std::chrono::steady_clock::now();
}

// t + d (Go's Time.Add), saturating at Time::min() and Time::max() instead of
// wrapping: add(now(), hours::max()) is Time::max(), an instant that never comes.
template <class Rep, class Period>
constexpr Time add(Time t, std::chrono::duration<Rep, Period> d) noexcept {
  return Time(
      Duration(detail::saturating_add(t.time_since_epoch().count(), detail::saturating_ns(d))));
}

// a - b (Go's Time.Sub): Duration::max() or Duration::min() where the difference
// does not fit.
constexpr Duration sub(Time a, Time b) noexcept {
  return Duration(
      detail::saturating_sub(a.time_since_epoch().count(), b.time_since_epoch().count()));
}

// sub(now(), t) and sub(t, now()).
inline Duration since(Time t) noexcept {
  return sub(now(), t);
}
inline Duration until(Time t) noexcept {
  return sub(t, now());
}

// Go's Duration.String(): "1.5s", "2m3.000000001s", "300ms", "1µs", "0s".
std::string to_string(Duration d);

class Timer {
 public:
  // An uninitialized timer (Go's zero Timer): stop/reset panic.
  Timer() noexcept = default;

  // Receives the instant the timer was due when it fires; nil for after_func.
  RecvChan<Time> c;

  // Prevents the timer from firing. Returns true if that stopped a pending timer
  // (or discarded a value nobody had received); false if it had already fired or
  // been stopped. For after_func, false means f has been started (stop does not
  // wait for it).
  bool stop() { return detail::timer_stop(ref_, "time: Stop called on uninitialized Timer"); }

  // Re-arms the timer to fire after d. Returns what stop() would have.
  template <class Rep, class Period>
  bool reset(std::chrono::duration<Rep, Period> d) {
    return detail::timer_reset(ref_, detail::saturating_ns(d), 0,
                               "time: Reset called on uninitialized Timer");
  }

 private:
  template <class Rep, class Period>
  friend Timer new_timer(std::chrono::duration<Rep, Period> d);
  template <class Rep, class Period, class F>
  friend Timer after_func(std::chrono::duration<Rep, Period> d, F&& f);
  Timer(RecvChan<Time> ch, detail::TimerRef ref) : c(std::move(ch)), ref_(std::move(ref)) {}

  detail::TimerRef ref_;
};

class Ticker {
 public:
  // An uninitialized ticker (Go's zero Ticker): stop() does nothing, reset panics.
  Ticker() noexcept = default;

  // Receives the instant of each tick; ticks a slow receiver misses are dropped.
  RecvChan<Time> c;

  // Stops the ticks. No tick is received after it returns.
  void stop() { detail::timer_stop(ref_, nullptr); }

  // Stops and restarts the ticker with period d (> 0, else Go's panic).
  template <class Rep, class Period>
  void reset(std::chrono::duration<Rep, Period> d) {
    std::int64_t ns = detail::saturating_ns(d);
    if (ns <= 0) throw Panic("non-positive interval for Ticker.Reset");
    detail::timer_reset(ref_, ns, ns, "time: Reset called on uninitialized Ticker");
  }

 private:
  template <class Rep, class Period>
  friend Ticker new_ticker(std::chrono::duration<Rep, Period> d);
  Ticker(RecvChan<Time> ch, detail::TimerRef ref) : c(std::move(ch)), ref_(std::move(ref)) {}

  detail::TimerRef ref_;
};

// A timer that sends, after d, the instant it was due on its channel.
template <class Rep, class Period>
Timer new_timer(std::chrono::duration<Rep, Period> d) {
  std::int64_t ns = detail::saturating_ns(d);
  detail::ChanTimer t = detail::make_chan_timer(ns, 0);
  return Timer(std::move(t.c), std::move(t.ref));
}

// new_timer(d).c
template <class Rep, class Period>
RecvChan<Time> after(std::chrono::duration<Rep, Period> d) {
  return new_timer(d).c;
}

// Calls f in its own goroutine after d. The returned Timer's c is nil.
template <class Rep, class Period, class F>
Timer after_func(std::chrono::duration<Rep, Period> d, F&& f) {
  detail::TimerRef ref =
      detail::make_func_timer(detail::saturating_ns(d), std::function<void()>(std::forward<F>(f)));
  return Timer(RecvChan<Time>(), std::move(ref));
}

// A ticker with period d (> 0, else panic "non-positive interval for NewTicker").
template <class Rep, class Period>
Ticker new_ticker(std::chrono::duration<Rep, Period> d) {
  std::int64_t ns = detail::saturating_ns(d);
  if (ns <= 0) throw Panic("non-positive interval for NewTicker");
  detail::ChanTimer t = detail::make_chan_timer(ns, ns);
  return Ticker(std::move(t.c), std::move(t.ref));
}

// new_ticker(d).c, or a nil channel when d <= 0 (Go's time.Tick).
template <class Rep, class Period>
RecvChan<Time> tick(std::chrono::duration<Rep, Period> d) {
  if (detail::saturating_ns(d) <= 0) return RecvChan<Time>();
  return new_ticker(d).c;
}

}  // namespace gocxx::time
