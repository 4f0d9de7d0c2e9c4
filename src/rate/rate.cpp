// The rate package (include/gocxx/rate.hpp). Limiter is x/time/rate's rate.go,
// step for step, with Go's names for its steps (advance, tokens_from_duration,
// duration_from_tokens, reserve_within); the three other limiters are the seed's
// algorithms, and MultiLimiter its composite.
#include "gocxx/rate.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <exception>
#include <string>
#include <utility>

#include "gocxx/select.hpp"
#include "gocxx/sync.hpp"

namespace gocxx::rate {

namespace {

std::int64_t ns_of(time::Time t) noexcept {
  return t.time_since_epoch().count();
}

time::Time later(time::Time a, time::Time b) noexcept {
  return a < b ? b : a;
}

double seconds(time::Duration d) noexcept {
  return static_cast<double>(d.count()) / 1e9;
}

// Go's Limit.tokensFromDuration.
double tokens_from_duration(Limit limit, time::Duration d) noexcept {
  if (limit <= 0) return 0;
  return seconds(d) * limit;
}

// Go's Limit.durationFromTokens: truncated to nanoseconds, inf_duration when the
// limit never refills or the wait does not fit an int64 (and, for the negative
// counts cancel_at passes, no less than the int64 range).
time::Duration duration_from_tokens(Limit limit, double tokens) noexcept {
  if (limit <= 0) return inf_duration;
  double ns = tokens / limit * 1e9;
  if (ns != ns) return time::Duration::zero();
  if (ns >= static_cast<double>(INT64_MAX)) return inf_duration;
  if (ns <= static_cast<double>(INT64_MIN)) return time::Duration::min();
  return time::Duration(static_cast<std::int64_t>(ns));
}

// n events at `rate` per second, as a duration (saturating; rate 0: never).
time::Duration duration_of(double n, Limit rate) noexcept {
  if (rate == inf) return time::Duration::zero();
  return duration_from_tokens(rate, n);
}

Error wait_exceeds_deadline(int n) {
  return errors::make("rate: Wait(n=" + std::to_string(n) + ") would exceed context deadline");
}

// Parks until `when` or until ctx ends; true at `when`. No timer when `when` has
// come already.
bool sleep_until(const context::Context& ctx, time::Time when) {
  time::Duration d = time::sub(when, time::now());
  if (d <= time::Duration::zero()) return true;
  time::Timer timer = time::new_timer(d);
  int which = select(recv(timer.c), recv(ctx.done()));
  timer.stop();
  return which == 0;
}

bool ctx_done(const context::Context& ctx) {
  return select(recv(ctx.done()), default_case()) == 0;  // a nil done is never ready
}

}  // namespace

Limit every(time::Duration interval) {
  if (interval <= time::Duration::zero()) return inf;
  return 1 / seconds(interval);
}

Limit per(int event_count, time::Duration d) {
  if (event_count <= 0) throw Panic("rate: per: event count must be positive");
  return every(d / event_count);
}

// ---------------------------------------------------------------------------
// Limiter
// ---------------------------------------------------------------------------

namespace detail {
struct LimiterState {
  mutable sync::Mutex mu;
  Limit limit = 0;
  int burst = 0;
  double tokens = 0;
  time::Time last{};        // when tokens was last brought up to date
  time::Time last_event{};  // the latest time to act handed out (past or future)

  // Go's advance: the tokens at t (a t before `last` refills nothing); changes nothing.
  double advance(time::Time t) const noexcept {
    time::Time from = t < last ? t : last;
    double n = tokens + tokens_from_duration(limit, time::sub(t, from));
    double cap = static_cast<double>(burst);
    return n > cap ? cap : n;
  }
};
}  // namespace detail

Limiter::Limiter() : Limiter(0, 0) {}

Limiter::Limiter(Limit r, int b) : state_(std::make_unique<detail::LimiterState>()) {
  state_->limit = r;
  state_->burst = b;
  state_->tokens = static_cast<double>(b);
}

Limiter::~Limiter() = default;

Limit Limiter::limit() const {
  std::lock_guard lock(state_->mu);
  return state_->limit;
}

int Limiter::burst() const {
  std::lock_guard lock(state_->mu);
  return state_->burst;
}

double Limiter::tokens() const {
  return tokens_at(time::now());
}

double Limiter::tokens_at(time::Time t) const {
  std::lock_guard lock(state_->mu);
  return state_->advance(t);
}

bool Limiter::allow() {
  return allow_n(time::now(), 1);
}

bool Limiter::allow_n(time::Time t, int n) {
  return reserve_within(t, n, time::Duration::zero()).ok();
}

Reservation Limiter::reserve() {
  return reserve_n(time::now(), 1);
}

Reservation Limiter::reserve_n(time::Time t, int n) {
  return reserve_within(t, n, inf_duration);
}

// Go's reserveN: n tokens at t, the events at most max_future after t.
Reservation Limiter::reserve_within(time::Time t, int n, time::Duration max_future) {
  detail::LimiterState& s = *state_;
  std::lock_guard lock(s.mu);
  Reservation r;
  r.lim_ = this;
  if (s.limit == inf) {
    r.ok_ = true;
    r.tokens_ = n;
    r.time_to_act_ = t;
    r.limit_ = inf;
    return r;
  }
  double tokens = s.advance(t) - static_cast<double>(n);
  time::Duration wait = time::Duration::zero();
  if (tokens < 0) wait = duration_from_tokens(s.limit, -tokens);
  r.ok_ = n <= s.burst && wait <= max_future;
  r.limit_ = s.limit;
  if (r.ok_) {
    r.tokens_ = n;
    r.time_to_act_ = time::add(t, wait);
    s.last = t;
    s.tokens = tokens;
    s.last_event = r.time_to_act_;
  }
  return r;
}

Error Limiter::wait(const context::Context& ctx) {
  return wait_n(ctx, 1);
}

Error Limiter::wait_n(const context::Context& ctx, int n) {
  Limit limit = 0;
  int burst = 0;
  {
    std::lock_guard lock(state_->mu);
    limit = state_->limit;
    burst = state_->burst;
  }
  if (n > burst && limit != inf) {
    return errors::make("rate: Wait(n=" + std::to_string(n) + ") exceeds limiter's burst " +
                        std::to_string(burst));
  }
  if (ctx_done(ctx)) return ctx.err();
  time::Time t = time::now();
  time::Duration wait_limit = inf_duration;
  if (std::optional<time::Time> deadline = ctx.deadline()) wait_limit = time::sub(*deadline, t);
  Reservation r = reserve_within(t, n, wait_limit);
  if (!r.ok()) return wait_exceeds_deadline(n);
  if (r.delay_from(t) == time::Duration::zero()) return Error();
  if (sleep_until(ctx, r.time_to_act_)) return Error();
  r.cancel();
  return ctx.err();
}

void Limiter::set_limit(Limit r) {
  set_limit_at(time::now(), r);
}

void Limiter::set_limit_at(time::Time t, Limit r) {
  detail::LimiterState& s = *state_;
  std::lock_guard lock(s.mu);
  s.tokens = s.advance(t);
  s.last = t;
  s.limit = r;
}

void Limiter::set_burst(int b) {
  set_burst_at(time::now(), b);
}

void Limiter::set_burst_at(time::Time t, int b) {
  detail::LimiterState& s = *state_;
  std::lock_guard lock(s.mu);
  s.tokens = s.advance(t);
  s.last = t;
  s.burst = b;
}

// ---------------------------------------------------------------------------
// Reservation
// ---------------------------------------------------------------------------

Reservation::Reservation(Reservation&& o) noexcept
    : lim_(std::exchange(o.lim_, nullptr)),
      tokens_(std::exchange(o.tokens_, 0)),
      time_to_act_(o.time_to_act_),
      limit_(o.limit_),
      ok_(std::exchange(o.ok_, false)),
      cancelled_(std::exchange(o.cancelled_, false)) {}

Reservation& Reservation::operator=(Reservation&& o) noexcept {
  lim_ = std::exchange(o.lim_, nullptr);
  tokens_ = std::exchange(o.tokens_, 0);
  time_to_act_ = o.time_to_act_;
  limit_ = o.limit_;
  ok_ = std::exchange(o.ok_, false);
  cancelled_ = std::exchange(o.cancelled_, false);
  return *this;
}

time::Duration Reservation::delay() const {
  return delay_from(time::now());
}

time::Duration Reservation::delay_from(time::Time t) const {
  if (!ok_) return inf_duration;
  if (time_to_act_ == time::Time::max()) return inf_duration;  // never (t + inf_duration)
  time::Duration d = time::sub(time_to_act_, t);
  return d < time::Duration::zero() ? time::Duration::zero() : d;
}

void Reservation::cancel() {
  cancel_at(time::now());
}

// Go's CancelAt, plus: a second call does nothing.
void Reservation::cancel_at(time::Time t) {
  if (!ok_ || cancelled_) return;
  detail::LimiterState& s = *lim_->state_;
  std::lock_guard lock(s.mu);
  if (s.limit == inf || tokens_ == 0 || time_to_act_ < t) return;
  cancelled_ = true;
  // Tokens reserved after this one (between its time to act and the last event)
  // stay taken.
  double restore = static_cast<double>(tokens_) -
                   tokens_from_duration(limit_, time::sub(s.last_event, time_to_act_));
  if (restore <= 0) return;
  double tokens = s.advance(t) + restore;
  double cap = static_cast<double>(s.burst);
  s.tokens = tokens > cap ? cap : tokens;
  s.last = t;
  if (time_to_act_ == s.last_event) {
    time::Time prev = time::add(time_to_act_, duration_from_tokens(limit_, -tokens_));
    if (!(prev < t)) s.last_event = prev;
  }
}

// ---------------------------------------------------------------------------
// MultiLimiter
// ---------------------------------------------------------------------------

MultiLimiter::MultiLimiter(std::vector<RateLimiter*> limiters) : limiters_(std::move(limiters)) {
  std::stable_sort(
      limiters_.begin(), limiters_.end(),
      [](const RateLimiter* a, const RateLimiter* b) { return a->limit() < b->limit(); });
}

Error MultiLimiter::wait(const context::Context& ctx) {
  for (RateLimiter* l : limiters_) {
    if (Error err = l->wait(ctx)) return err;
  }
  return Error();
}

Limit MultiLimiter::limit() const {
  return limiters_.empty() ? inf : limiters_.front()->limit();
}

// ---------------------------------------------------------------------------
// FixedWindow, SlidingLog, LeakyBucket
// ---------------------------------------------------------------------------

namespace detail {
struct WindowState {
  sync::Mutex mu;
  int limit = 0;
  time::Duration window{};
  time::Time latest = time::Time::min();  // the latest t seen
  // FixedWindow: the current window and the events in it.
  std::int64_t window_index = INT64_MIN;
  int count = 0;
  // SlidingLog: allowed events, oldest first, with how many at each time.
  std::deque<std::pair<time::Time, int>> log;
  int logged = 0;
  // LeakyBucket.
  Limit rate = 0;
  time::Time next = time::Time::min();  // when the outlet is free
  int queued = 0;

  time::Time seen(time::Time t) noexcept {
    latest = later(latest, t);
    return latest;
  }

  Limit per_second() const noexcept { return static_cast<double>(limit) / seconds(window); }

  // FixedWindow: the index of t's window, flooring for instants before the epoch.
  std::int64_t index_of(time::Time t) const noexcept {
    std::int64_t w = window.count();
    std::int64_t ns = ns_of(t);
    std::int64_t q = ns / w;
    if (ns % w != 0 && ns < 0) --q;
    return q;
  }

  // SlidingLog: forgets events that no longer count at t.
  void expire(time::Time t) {
    while (!log.empty() && !(time::add(log.front().first, window) > t)) {
      logged -= log.front().second;
      log.pop_front();
    }
  }
};

void check_window(int limit, time::Duration window) {
  if (window <= time::Duration::zero()) throw Panic("rate: window must be positive");
  if (limit < 0) throw Panic("rate: limit must not be negative");
}

Error exceeds_limit(int n, int limit) {
  return errors::make("rate: Wait(n=" + std::to_string(n) + ") exceeds limit " +
                      std::to_string(limit));
}

// The wait loop FixedWindow and SlidingLog share: try_at(t) either takes n at t
// (returning nullopt) or says the earliest time it might.
template <class TryAt>
Error wait_for_window(const context::Context& ctx, int n, sync::Mutex& mu, TryAt try_at) {
  std::optional<time::Time> deadline = ctx.deadline();
  for (;;) {
    std::optional<time::Time> retry;
    {
      std::lock_guard lock(mu);
      retry = try_at(time::now());
    }
    if (!retry) return Error();
    if (deadline && *retry > *deadline) return wait_exceeds_deadline(n);
    if (!sleep_until(ctx, *retry)) return ctx.err();
  }
}
}  // namespace detail

FixedWindow::FixedWindow(int limit, time::Duration window)
    : state_(std::make_unique<detail::WindowState>()) {
  detail::check_window(limit, window);
  state_->limit = limit;
  state_->window = window;
}

FixedWindow::~FixedWindow() = default;

bool FixedWindow::allow() {
  return allow_n(time::now(), 1);
}

bool FixedWindow::allow_n(time::Time t, int n) {
  if (n <= 0) return true;
  detail::WindowState& s = *state_;
  std::lock_guard lock(s.mu);
  std::int64_t k = s.index_of(s.seen(t));
  if (k != s.window_index) {
    s.window_index = k;
    s.count = 0;
  }
  if (n > s.limit - s.count) return false;
  s.count += n;
  return true;
}

Error FixedWindow::wait(const context::Context& ctx) {
  return wait_n(ctx, 1);
}

Error FixedWindow::wait_n(const context::Context& ctx, int n) {
  detail::WindowState& s = *state_;
  if (n <= 0) return Error();
  if (n > s.limit) return detail::exceeds_limit(n, s.limit);
  if (ctx_done(ctx)) return ctx.err();
  return detail::wait_for_window(ctx, n, s.mu, [&](time::Time now) -> std::optional<time::Time> {
    std::int64_t k = s.index_of(s.seen(now));
    if (k != s.window_index) {
      s.window_index = k;
      s.count = 0;
    }
    if (n <= s.limit - s.count) {
      s.count += n;
      return std::nullopt;
    }
    std::int64_t start = 0;
    if (__builtin_mul_overflow(k + 1, s.window.count(), &start)) return time::Time::max();
    return time::Time(time::Duration(start));
  });
}

Limit FixedWindow::limit() const {
  return state_->per_second();
}

SlidingLog::SlidingLog(int limit, time::Duration window)
    : state_(std::make_unique<detail::WindowState>()) {
  detail::check_window(limit, window);
  state_->limit = limit;
  state_->window = window;
}

SlidingLog::~SlidingLog() = default;

bool SlidingLog::allow() {
  return allow_n(time::now(), 1);
}

bool SlidingLog::allow_n(time::Time t, int n) {
  if (n <= 0) return true;
  detail::WindowState& s = *state_;
  std::lock_guard lock(s.mu);
  t = s.seen(t);
  s.expire(t);
  if (n > s.limit - s.logged) return false;
  s.log.emplace_back(t, n);
  s.logged += n;
  return true;
}

Error SlidingLog::wait(const context::Context& ctx) {
  return wait_n(ctx, 1);
}

Error SlidingLog::wait_n(const context::Context& ctx, int n) {
  detail::WindowState& s = *state_;
  if (n <= 0) return Error();
  if (n > s.limit) return detail::exceeds_limit(n, s.limit);
  if (ctx_done(ctx)) return ctx.err();
  return detail::wait_for_window(ctx, n, s.mu, [&](time::Time now) -> std::optional<time::Time> {
    time::Time t = s.seen(now);
    s.expire(t);
    if (n <= s.limit - s.logged) {
      s.log.emplace_back(t, n);
      s.logged += n;
      return std::nullopt;
    }
    // When enough of the oldest events have expired for n more to fit.
    int still = s.logged;
    for (const auto& [at, k] : s.log) {
      still -= k;
      if (n <= s.limit - still) return time::add(at, s.window);
    }
    return time::add(t, s.window);  // unreachable: n <= limit
  });
}

Limit SlidingLog::limit() const {
  return state_->per_second();
}

LeakyBucket::LeakyBucket(Limit r, int capacity) : state_(std::make_unique<detail::WindowState>()) {
  if (!(r >= 0)) throw Panic("rate: leaky bucket rate must not be negative");
  if (capacity < 0) throw Panic("rate: leaky bucket capacity must not be negative");
  state_->rate = r;
  state_->limit = capacity;
}

LeakyBucket::~LeakyBucket() = default;

bool LeakyBucket::allow() {
  return allow_n(time::now(), 1);
}

bool LeakyBucket::allow_n(time::Time t, int n) {
  if (n <= 0) return true;
  detail::WindowState& s = *state_;
  std::lock_guard lock(s.mu);
  t = s.seen(t);
  if (s.rate == inf) return true;
  if (t < s.next) return false;
  s.next = time::add(t, duration_of(n, s.rate));
  return true;
}

Error LeakyBucket::wait(const context::Context& ctx) {
  return wait_n(ctx, 1);
}

Error LeakyBucket::wait_n(const context::Context& ctx, int n) {
  if (n <= 0) return Error();
  if (ctx_done(ctx)) return ctx.err();
  detail::WindowState& s = *state_;
  time::Time turn;
  time::Time turn_end;
  {
    std::lock_guard lock(s.mu);
    time::Time t = s.seen(time::now());
    if (s.rate == inf) return Error();
    if (!(t < s.next)) {
      s.next = time::add(t, duration_of(n, s.rate));
      return Error();
    }
    if (s.queued >= s.limit) return errors::make("rate: leaky bucket full");
    turn = s.next;
    std::optional<time::Time> deadline = ctx.deadline();
    if (deadline && turn > *deadline) return wait_exceeds_deadline(n);
    turn_end = time::add(turn, duration_of(n, s.rate));
    s.next = turn_end;
    ++s.queued;
  }
  bool reached = sleep_until(ctx, turn);
  std::lock_guard lock(s.mu);
  --s.queued;
  if (reached) return Error();
  if (s.next == turn_end) s.next = turn;  // the last one queued: its turn goes back
  return ctx.err();
}

Limit LeakyBucket::limit() const {
  return state_->rate;
}

// ---------------------------------------------------------------------------
// Sometimes
// ---------------------------------------------------------------------------

namespace detail {
struct SometimesState {
  sync::Mutex mu;
  std::int64_t count = 0;  // calls so far
  time::Time last{};       // when f last ran
};
}  // namespace detail

Sometimes::Sometimes() : state_(std::make_unique<detail::SometimesState>()) {}
Sometimes::~Sometimes() = default;

Sometimes::Turn::Turn(Sometimes& owner)
    : s(owner), due(false), unwinding(std::uncaught_exceptions()) {
  detail::SometimesState& st = *s.state_;
  st.mu.lock();
  due = st.count == 0 || (s.first > 0 && st.count < s.first) ||
        (s.every > 0 && st.count % s.every == 0) ||
        (s.interval > time::Duration::zero() && time::since(st.last) >= s.interval);
}

void Sometimes::Turn::ran() {
  s.state_->last = time::now();
}

// As Go's Do: a call whose f panicked is not counted (the lock is released anyway).
Sometimes::Turn::~Turn() {
  if (std::uncaught_exceptions() == unwinding) ++s.state_->count;
  s.state_->mu.unlock();
}

}  // namespace gocxx::rate
