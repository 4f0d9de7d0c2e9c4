// The time package over the runtime timers (src/runtime/timer.cpp).
#include "gocxx/time.hpp"

#include "gocxx/detail/bubble.hpp"
#include "gocxx/runtime.hpp"
#include "runtime/chan_internal.hpp"
#include "runtime/sched.hpp"
#include "runtime/timer.hpp"

namespace gocxx::detail {

TimerRef::TimerRef(const TimerRef& o) noexcept : t_(o.t_) {
  if (t_ != nullptr) rt::timer_retain(t_);
}

TimerRef::~TimerRef() {
  if (t_ != nullptr) rt::timer_release(t_);
}

void sleep_ns(std::int64_t ns) {
  rt::sleep_ns(ns);
}

namespace {

// A channel timer fires by offering the instant it was due; a full buffer (a ticker
// nobody drains) drops the tick.
void send_time(rt::Timer* t, void* /*arg*/, std::int64_t due) {
  time::Time v{std::chrono::nanoseconds(due)};
  chan_try_send(t->chan, &v);
}

struct Func {
  std::function<void()> f;
};

// after_func: f runs in its own goroutine, queued (never run in place: timers fire
// on the scheduler's stack).
void start_func(rt::Timer* /*t*/, void* arg, std::int64_t /*due*/) {
  go(static_cast<Func*>(arg)->f);
}

}  // namespace

ChanTimer make_chan_timer(std::int64_t delay_ns, std::int64_t period_ns) {
  Chan<time::Time> c = make_chan<time::Time>(1);
  auto* t = new rt::Timer;  // one reference: the channel's
  t->fn = send_time;
  t->chan = c.core();
  c.core()->timer = t;
  t->bubble = c.core()->bubble;  // made in a bubble: on its clock
  rt::timer_retain(t);           // and the handle's
  TimerRef ref(t);
  rt::timer_modify(t, rt::deadline_after(delay_ns), period_ns);
  return {std::move(c), std::move(ref)};
}

TimerRef make_func_timer(std::int64_t delay_ns, std::function<void()> f) {
  auto* t = new rt::Timer;
  t->fn = start_func;
  t->arg = new Func{std::move(f)};
  t->destroy_arg = [](void* a) { delete static_cast<Func*>(a); };
  if (g_bubbles_alive.load(std::memory_order_relaxed) != 0) t->bubble = rt::current_bubble();
  TimerRef ref(t);
  rt::timer_modify(t, rt::deadline_after(delay_ns), 0);
  return ref;
}

bool timer_stop(const TimerRef& t, const char* uninitialized_msg) {
  if (t.get() == nullptr) {
    if (uninitialized_msg != nullptr) throw Panic(uninitialized_msg);
    return false;
  }
  if (!rt::bubble_allows(t.get()->bubble)) [[unlikely]]
    rt::bubble_misuse("stop of", "timer");
  return rt::timer_stop(t.get());
}

bool timer_reset(const TimerRef& t, std::int64_t delay_ns, std::int64_t period_ns,
                 const char* uninitialized_msg) {
  if (t.get() == nullptr) throw Panic(uninitialized_msg);
  if (!rt::bubble_allows(t.get()->bubble)) [[unlikely]]
    rt::bubble_misuse("reset of", "timer");
  return rt::timer_modify(t.get(), rt::deadline_after(delay_ns), period_ns);
}

}  // namespace gocxx::detail

namespace gocxx::time {

namespace {

// Go's fmtFrac: the fraction of v below 10^prec, without trailing zeros.
char* format_fraction(char* end, std::uint64_t* v, int prec) {
  bool print = false;
  for (int i = 0; i < prec; ++i) {
    auto digit = static_cast<char>(*v % 10);
    print = print || digit != 0;
    if (print) *--end = static_cast<char>('0' + digit);
    *v /= 10;
  }
  if (print) *--end = '.';
  return end;
}

char* format_int(char* end, std::uint64_t v) {
  if (v == 0) {
    *--end = '0';
    return end;
  }
  while (v > 0) {
    *--end = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return end;
}

}  // namespace

std::string to_string(Duration d) {
  char buf[40];
  char* end = buf + sizeof buf;
  char* w = end;
  std::int64_t n = d.count();
  bool neg = n < 0;
  std::uint64_t u = neg ? 0 - static_cast<std::uint64_t>(n) : static_cast<std::uint64_t>(n);
  if (u < 1'000'000'000ULL) {
    int prec = 0;
    *--w = 's';
    if (u == 0) {
      *--w = '0';
      return std::string(w, end);
    }
    if (u < 1'000ULL) {
      *--w = 'n';
    } else if (u < 1'000'000ULL) {
      prec = 3;
      *--w = '\xb5';  // U+00B5 MICRO SIGN in UTF-8, as Go prints it
      *--w = '\xc2';
    } else {
      prec = 6;
      *--w = 'm';
    }
    w = format_fraction(w, &u, prec);
    w = format_int(w, u);
  } else {
    *--w = 's';
    w = format_fraction(w, &u, 9);
    w = format_int(w, u % 60);
    u /= 60;
    if (u > 0) {
      *--w = 'm';
      w = format_int(w, u % 60);
      u /= 60;
      if (u > 0) {
        *--w = 'h';
        w = format_int(w, u);
      }
    }
  }
  if (neg) *--w = '-';
  return std::string(w, end);
}

}  // namespace gocxx::time
