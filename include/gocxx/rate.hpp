// The rate package: golang.org/x/time/rate's token bucket, and three other rate
// limiting algorithms behind the same interface.
//
//   rate::Limiter limiter(rate::every(100ms), 3);   // 10 per second, bursts of 3
//   if (Error err = limiter.wait(ctx)) return err;  // parks until a token is free
//   if (!limiter.allow()) drop(request);            // or: never wait
//
//   rate::Limiter per_second(rate::per(2, 1s), 1), per_minute(rate::per(10, 1min), 10);
//   rate::MultiLimiter both(per_second, per_minute);  // waits on each, strictest first
//
// Limiter follows x/time/rate's arithmetic step for step: a bucket of `burst`
// tokens, full at first, refilled at `limit` tokens per second; token counts are
// doubles and go negative when tokens are reserved ahead; a reservation's time to
// act is truncated to nanoseconds; a limit of `inf` lets everything through at
// once and takes no tokens; a limit of 0 never refills. Every member taking a
// time::Time `t` computes as of `t` (the ones without take time::now()); a `t`
// earlier than the limiter's last update refills nothing, and the limiter goes on
// from `t`. Time arithmetic saturates: no limit, burst or duration overflows.
//
// Waiting parks the calling goroutine (a plain thread blocks); a wait that can go
// at once starts no timer. wait/wait_n errors, checked in this order:
// "rate: Wait(n=N) exceeds limiter's burst B" (n above the burst, limit not inf;
// at once), ctx.err() (ctx already done; at once), "rate: Wait(n=N) would exceed
// context deadline" (the time to act is after ctx's deadline; at once, taking
// nothing), ctx.err() (ctx done while waiting; the reservation is cancelled, so
// its tokens go back).
//
// Every limiter here is safe to use from any number of goroutines and threads at
// once, and is neither copyable nor movable: share it by reference.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "context.hpp"
#include "errors.hpp"
#include "time.hpp"

namespace gocxx::rate {

// Go's Limit: events per second. 0 allows no events (after the burst); inf allows all.
using Limit = double;
inline constexpr Limit inf = std::numeric_limits<double>::max();
inline constexpr time::Duration inf_duration = time::Duration::max();

// One event every `interval`: interval <= 0 gives inf, else 1 / interval in seconds.
Limit every(time::Duration interval);
// The seed's Per: every(d / event_count), the division in whole nanoseconds.
// event_count <= 0 throws Panic.
Limit per(int event_count, time::Duration d);

// What every limiter here implements (the seed's RateLimiter interface), so that
// they nest in a MultiLimiter.
class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Waits until one event may happen; an error (and no event) when ctx ends first
  // or can never wait long enough. See each limiter for its errors.
  virtual Error wait(const context::Context& ctx) = 0;
  // The limiter's steady rate, events per second.
  virtual Limit limit() const = 0;
};

namespace detail {
struct LimiterState;  // src/rate/rate.cpp
}  // namespace detail

class Reservation;

// Go's *rate.Limiter: a token bucket.
class Limiter : public RateLimiter {
 public:
  // Go's zero Limiter: limit 0, burst 0; rejects every event.
  Limiter();
  // rate.NewLimiter(r, b): b tokens (full), refilled at r per second up to b.
  Limiter(Limit r, int b);
  ~Limiter() override;
  Limiter(const Limiter&) = delete;
  Limiter& operator=(const Limiter&) = delete;

  Limit limit() const override;
  int burst() const;
  // Tokens available now (negative while tokens are reserved ahead).
  double tokens() const;
  // Tokens available at t; changes nothing.
  double tokens_at(time::Time t) const;

  // allow_n(time::now(), 1).
  bool allow();
  // Whether n events may happen at t; takes their tokens if so, else changes
  // nothing. n == 0 is allowed unless tokens are owed.
  bool allow_n(time::Time t, int n);
  // reserve_n(time::now(), 1).
  Reservation reserve();
  // Takes n tokens at t, going negative if need be, and says when the events may
  // happen. Not ok() (changing nothing) when n exceeds the burst and the limit is
  // not inf.
  Reservation reserve_n(time::Time t, int n);
  // wait_n(ctx, 1).
  Error wait(const context::Context& ctx) override;
  // Waits until n events may happen; errors as the header comment lists.
  Error wait_n(const context::Context& ctx, int n);

  // Refill up to t at the old settings, then change them; reservations already
  // made keep their times. The forms without t use time::now().
  void set_limit(Limit r);
  void set_limit_at(time::Time t, Limit r);
  void set_burst(int b);
  void set_burst_at(time::Time t, int b);

 private:
  friend class Reservation;
  Reservation reserve_within(time::Time t, int n, time::Duration max_future);
  std::unique_ptr<detail::LimiterState> state_;
};

// Go's *rate.Reservation: tokens taken from a Limiter, and when they may be used.
// Move-only; it refers to its Limiter, which must outlive it.
class Reservation {
 public:
  // Not ok() (as is a moved-from one).
  Reservation() noexcept = default;
  Reservation(Reservation&& o) noexcept;
  Reservation& operator=(Reservation&& o) noexcept;
  Reservation(const Reservation&) = delete;
  Reservation& operator=(const Reservation&) = delete;

  // Whether the limiter can provide the tokens (within the wait allowed).
  bool ok() const noexcept { return ok_; }
  // delay_from(time::now()).
  time::Duration delay() const;
  // How long after t the events may happen: 0 if they may already, inf_duration
  // when not ok().
  time::Duration delay_from(time::Time t) const;
  // cancel_at(time::now()).
  void cancel();
  // Gives the tokens back, as far as later reservations have not used them, capped
  // at the burst. Does nothing when not ok(), for 0 tokens, once the time to act
  // is before t, with a limit of inf, or the second time.
  void cancel_at(time::Time t);

 private:
  friend class Limiter;
  Limiter* lim_ = nullptr;
  int tokens_ = 0;
  time::Time time_to_act_{};
  Limit limit_ = 0;  // the limit when it was made
  bool ok_ = false;
  bool cancelled_ = false;
};

// The seed's MultiLimiter: several limits at once (2 per second and 10 per
// minute). Refers to its limiters, which must outlive it, sorted once, stably, by
// increasing limit(); wait waits on each in turn and returns the first error
// (tokens already taken from earlier ones are kept). limit() is the strictest
// one's; with no limiters wait returns no error and limit() is inf.
class MultiLimiter : public RateLimiter {
 public:
  MultiLimiter() noexcept = default;
  template <class... L>
  requires(sizeof...(L) > 0 &&
           (std::is_base_of_v<RateLimiter, L> && ...)) explicit MultiLimiter(L&... limiters)
      : MultiLimiter(std::vector<RateLimiter*>{&limiters...}) {}
  template <class... L>
  requires(sizeof...(L) >
           0) explicit MultiLimiter(const L&&... limiters) = delete;  // temporaries would dangle
  explicit MultiLimiter(std::vector<RateLimiter*> limiters);
  MultiLimiter(const MultiLimiter&) = delete;
  MultiLimiter& operator=(const MultiLimiter&) = delete;

  Error wait(const context::Context& ctx) override;
  Limit limit() const override;

 private:
  std::vector<RateLimiter*> limiters_;
};

namespace detail {
struct WindowState;  // src/rate/rate.cpp
}  // namespace detail

// At most `limit` events in each fixed window [k*window, (k+1)*window) of the
// steady clock, so up to 2*limit around a boundary. limit() is limit / window.
// wait_n errors, in order: "rate: Wait(n=N) exceeds limit L" (n > limit; at once),
// ctx.err() (already done), "rate: Wait(n=N) would exceed context deadline" (the
// next window that could take n starts after the deadline; at once), ctx.err()
// (ctx ends while waiting). n <= 0 is always allowed and changes nothing; a t
// earlier than one already seen counts as that latest time. window > 0 and
// limit >= 0, else Panic.
class FixedWindow : public RateLimiter {
 public:
  FixedWindow(int limit, time::Duration window);
  ~FixedWindow() override;
  FixedWindow(const FixedWindow&) = delete;
  FixedWindow& operator=(const FixedWindow&) = delete;

  bool allow();
  bool allow_n(time::Time t, int n);
  Error wait(const context::Context& ctx) override;
  Error wait_n(const context::Context& ctx, int n);
  Limit limit() const override;

 private:
  std::unique_ptr<detail::WindowState> state_;
};

// At most `limit` events in any window-long span: remembers every allowed event;
// allow_n(t, n) succeeds when the events logged in (t - window, t] plus n are at
// most limit, and logs n events at t. Otherwise as FixedWindow (the earliest a
// waiter can go is when enough logged events expire).
class SlidingLog : public RateLimiter {
 public:
  SlidingLog(int limit, time::Duration window);
  ~SlidingLog() override;
  SlidingLog(const SlidingLog&) = delete;
  SlidingLog& operator=(const SlidingLog&) = delete;

  bool allow();
  bool allow_n(time::Time t, int n);
  Error wait(const context::Context& ctx) override;
  Error wait_n(const context::Context& ctx, int n);
  Limit limit() const override;

 private:
  std::unique_ptr<detail::WindowState> state_;
};

// A steady outflow of r requests per second, no bursts: a request of n acts at
// s = max(t, next) and holds the outlet until next = s + n/r seconds. allow_n
// succeeds only if it can act at t. wait_n queues unless `capacity` requests are
// already queued (waiting in wait_n), then fails at once with "rate: leaky bucket
// full" (capacity 0: no queue); a queued request whose ctx ends gives its turn back
// if it was the last one queued. r == inf: everything acts at once; r == 0: after
// the first request nothing acts again. limit() is r. Errors otherwise as
// FixedWindow's (without the one for n). r >= 0 and capacity >= 0, else Panic.
class LeakyBucket : public RateLimiter {
 public:
  LeakyBucket(Limit r, int capacity);
  ~LeakyBucket() override;
  LeakyBucket(const LeakyBucket&) = delete;
  LeakyBucket& operator=(const LeakyBucket&) = delete;

  bool allow();
  bool allow_n(time::Time t, int n);
  Error wait(const context::Context& ctx) override;
  Error wait_n(const context::Context& ctx, int n);
  Limit limit() const override;

 private:
  std::unique_ptr<detail::WindowState> state_;
};

namespace detail {
struct SometimesState;  // src/rate/rate.cpp
}  // namespace detail

// Go's rate.Sometimes: runs a function on some of the calls. Set the fields before
// the first call. The first call always runs f; later ones when any filter allows:
// one of the first `first` calls, every `every`-th call (the 1st, every+1-th, ...),
// or `interval` having passed since f last ran. Calls are serialized (a call waits
// for a concurrent one's f); f calling call() on the same object deadlocks, as in
// Go. Not copyable.
class Sometimes {
 public:
  int first = 0;
  int every = 0;
  time::Duration interval{};

  Sometimes();
  ~Sometimes();
  Sometimes(const Sometimes&) = delete;
  Sometimes& operator=(const Sometimes&) = delete;

  // Go's Do (`do` is a keyword): runs f in the caller if a filter allows it.
  template <class F>
  void call(F&& f) {
    Turn turn(*this);
    if (turn.due) {
      f();
      turn.ran();
    }
  }

 private:
  struct Turn {
    explicit Turn(Sometimes& s);
    ~Turn();
    Turn(const Turn&) = delete;
    Turn& operator=(const Turn&) = delete;
    void ran();
    Sometimes& s;
    bool due;
    int unwinding;
  };
  std::unique_ptr<detail::SometimesState> state_;
};

}  // namespace gocxx::rate
