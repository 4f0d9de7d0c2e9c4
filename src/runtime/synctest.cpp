// Fake-time bubbles, after Go's testing/synctest (runtime/synctest.go).
//
// A bubble is a set of goroutines with its own clock. The clock moves only when
// every goroutine of the bubble is durably blocked: blocked in a way that only
// another goroutine of the bubble (or the bubble's clock) can end. The driver,
// the goroutine or thread that called bubble_run, sleeps until then; then it
// fires the timers already due, else wakes the goroutine in wait(), else moves
// the clock to the earliest timer and fires it, else reports a deadlock.
//
// Invariants (Bubble::mu):
//   total   = goroutines of the bubble that have started and not yet ended;
//   running = those of them not counted as durably blocked (G::bubble_blocked);
//   parking = goroutines counted as blocked whose park is not yet committed (the
//     commit may arm the timer that is to wake them);
//   the driver is parked (Bubble::driver set) only while running + parking > 0,
//   and the change that brings both to 0 wakes it.
// running can only go from 0 back up through the driver: every goroutine of the
// bubble is blocked on something only the bubble can end, and the bubble's timers
// fire only from the driver. A goroutine is counted blocked after it is switched
// out (after_park, before the park's commit publishes it to wakers) and counted
// back in ready(), so a waker always finds it counted.
//
// Bubbles are never freed: a channel or timer of an ended bubble must still be
// able to tell that it belongs to one (and the driver may return while a
// goroutine that just brought the count to zero is still leaving). One is a few
// hundred bytes.
#include <algorithm>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "gocxx/detail/bubble.hpp"
#include "gocxx/detail/goroutine.hpp"
#include "gocxx/errors.hpp"
#include "gocxx/runtime.hpp"
#include "panic.hpp"
#include "sched.hpp"
#include "synctest.hpp"
#include "timer.hpp"

namespace gocxx::detail {
std::atomic<int> g_bubbles_alive{0};
}  // namespace gocxx::detail

namespace gocxx::rt {

namespace {

// 2000-01-01T00:00:00Z on a clock that counts from the Unix epoch.
constexpr std::int64_t kBubbleEpochNs = 946'684'800LL * 1'000'000'000LL;

// The bubble whose timers the driver is firing, and the driver's context: what
// the timers start and send from there belongs to the bubble. (Keyed by the
// context, not the thread alone: a goroutine the timers start may run on this
// thread before the driver continues.)
thread_local Bubble* t_acting_for = nullptr;
thread_local G* t_acting_g = nullptr;

struct Registry {
  std::mutex mu;
  std::vector<std::unique_ptr<Bubble>> all;
  std::uint64_t next_id = 1;
};
Registry& registry() {
  static auto* r = new Registry;  // never destroyed: bubbles outlive static destruction
  return *r;
}

// Wakes the driver if the bubble has just become quiescent. b->mu held; returns
// the driver to ready once it is released.
G* quiescent_driver(Bubble* b) noexcept GOCXX_REQUIRES(b->mu) {
  if (b->running != 0 || b->parking != 0 || b->driver == nullptr) return nullptr;
  return std::exchange(b->driver, nullptr);
}

}  // namespace

// g_bubbles_alive counts bubbles that are running or still have goroutines (a
// bubble that failed leaves its blocked goroutines behind): while it is zero no
// goroutine belongs to a bubble.
Bubble* current_bubble() noexcept {
  if (detail::g_bubbles_alive.load(std::memory_order_relaxed) == 0) return nullptr;
  G* self = current_g();
  if (self == nullptr) return nullptr;
  if (t_acting_for != nullptr && self == t_acting_g) return t_acting_for;
  return self->bubble;
}

std::int64_t bubble_nanotime(const Bubble* b) noexcept {
  return b != nullptr ? b->now.load(std::memory_order_acquire) : nanotime();
}

void bubble_spawned(G* g, Bubble* b) noexcept {
  g->bubble = b;
  LockGuard guard(b->mu);
  ++b->total;
  ++b->running;
}

void bubble_exiting(G* g) noexcept {
  Bubble* b = std::exchange(g->bubble, nullptr);
  G* driver = nullptr;
  {
    LockGuard guard(b->mu);
    --b->total;
    --b->running;
    if (b->running < 0 || b->total < 0) fatal("runtime: bubble goroutine count went negative");
    driver = quiescent_driver(b);
    // The last goroutine of a bubble whose driver gave up on it.
    if (b->ended && b->total == 0) detail::g_bubbles_alive.fetch_sub(1, std::memory_order_seq_cst);
  }
  if (driver != nullptr) ready(driver);
}

bool bubble_parked(G* g) noexcept {
  if (!std::exchange(g->durable_park, false)) return false;
  Bubble* b = g->bubble;
  LockGuard guard(b->mu);
  g->bubble_blocked = true;
  --b->running;
  ++b->parking;
  if (b->running < 0) fatal("runtime: bubble running count went negative");
  return true;
}

G* bubble_park_committed(Bubble* b) noexcept {
  LockGuard guard(b->mu);
  --b->parking;
  return quiescent_driver(b);
}

void bubble_readied(G* g) noexcept {
  Bubble* b = g->bubble;
  LockGuard guard(b->mu);
  g->bubble_blocked = false;
  ++b->running;
}

void bubble_misuse(const char* op, const char* what) noexcept {
  std::string msg = std::string(op) + " synctest " + what + " from outside bubble";
  fatal(msg.c_str());
}

namespace {

// The bubble's goroutines' tracebacks, in runtime::stack's format.
std::string bubble_tracebacks(Bubble* b) {
  std::vector<std::uint64_t> ids;
  for (G* g : goroutines_by_id(nullptr)) {
    if (g->bubble == b) ids.push_back(g->id);
  }
  std::string all = runtime::stack(true);
  std::string out;
  std::string_view rest(all);
  while (!rest.empty()) {
    std::size_t end = rest.find("\n\n");
    std::string_view block = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 2);
    constexpr std::string_view kPrefix = "goroutine ";
    if (block.substr(0, kPrefix.size()) != kPrefix) continue;
    std::uint64_t id = 0;
    for (std::size_t i = kPrefix.size(); i < block.size() && block[i] >= '0' && block[i] <= '9';
         ++i) {
      id = id * 10 + static_cast<std::uint64_t>(block[i] - '0');
    }
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
    out += block;
    out += "\n\n";
  }
  return out;
}

// Drops the timers of an ended bubble: they never fire.
void drop_timers(Bubble* b) {
  for (;;) {
    Timer* t = nullptr;
    {
      LockGuard guard(b->timers.mu);
      if (b->timers.heap.empty()) return;
      t = b->timers.heap.back().t;
      timer_retain(t);  // the heap's reference may be the last one
    }
    timer_stop(t);  // takes it out of the heap (and drops the heap's references)
    timer_release(t);
  }
}

struct Root {
  void (*fn)(void*);
  void* arg;
  Bubble* b;
};

void run_root(Root root) {
  std::exception_ptr thrown;
  try {
    root.fn(root.arg);
  } catch (...) {
    thrown = std::current_exception();
  }
  LockGuard guard(root.b->mu);
  root.b->root_exception = thrown;
  root.b->root_done = true;
}

}  // namespace

}  // namespace gocxx::rt

namespace gocxx::detail {

using rt::Bubble;
using rt::G;
using rt::LockGuard;

std::chrono::steady_clock::time_point bubble_aware_now() noexcept {
  if (Bubble* b = rt::current_bubble()) {
    return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(rt::bubble_nanotime(b)));
  }
  return std::chrono::steady_clock::now();
}

bool in_bubble() noexcept {
  return rt::current_bubble() != nullptr;
}

void bubble_run(void (*fn)(void*), void* arg) {
  rt::ensure_started();
  if (rt::current_bubble() != nullptr) {
    throw Panic("synctest.Run called from within a synctest bubble");
  }
  Bubble* b = nullptr;
  {
    rt::Registry& r = rt::registry();
    std::lock_guard lock(r.mu);
    r.all.push_back(std::make_unique<Bubble>());
    b = r.all.back().get();
    b->id = r.next_id++;
  }
  b->now.store(rt::kBubbleEpochNs, std::memory_order_release);
  g_bubbles_alive.fetch_add(1, std::memory_order_seq_cst);

  // The root, the bubble's first goroutine.
  {
    using Task = GoTask<void (*)(rt::Root), rt::Root>;
    NewGoroutine slot = new_goroutine(sizeof(Task), alignof(Task));
    ::new (slot.storage) Task(rt::run_root, rt::Root{fn, arg, b});
    rt::bubble_spawned(static_cast<G*>(slot.g), b);
    start_goroutine(slot.g, &kTaskOps<Task>);
  }

  std::string failure;
  b->mu.lock();
  for (;;) {
    if (b->running > 0 || b->parking > 0) {
      b->driver = rt::current_g();
      rt::park_unlock(b->mu, "synctest.Run");
      b->mu.lock();
      continue;
    }
    if (b->total == 0) break;
    // Every goroutine of the bubble is durably blocked.
    std::int64_t now = b->now.load(std::memory_order_relaxed);
    std::int64_t next = b->timers.min_when.load(std::memory_order_acquire);
    if (next != 0 && next <= now) {
      b->mu.unlock();
      rt::t_acting_for = b;
      rt::t_acting_g = rt::current_g();
      rt::run_timers(&b->timers, now);
      rt::t_acting_for = nullptr;
      rt::t_acting_g = nullptr;
      b->mu.lock();
      continue;
    }
    if (b->waiter != nullptr) {
      G* w = std::exchange(b->waiter, nullptr);
      b->mu.unlock();
      rt::ready(w);  // counts it back as running
      b->mu.lock();
      continue;
    }
    if (b->root_done) {
      failure = "fatal error: main bubble goroutine has exited but blocked goroutines remain";
      break;
    }
    if (next != 0) {
      b->now.store(next, std::memory_order_release);
      continue;
    }
    failure = "fatal error: all goroutines in bubble are blocked";
    break;
  }
  b->ended = true;
  if (b->total == 0) g_bubbles_alive.fetch_sub(1, std::memory_order_seq_cst);
  std::exception_ptr thrown = b->root_exception;
  b->mu.unlock();
  if (!failure.empty()) {
    std::string report = failure + "\n\n" + rt::bubble_tracebacks(b);
    while (!report.empty() && report.back() == '\n') report.pop_back();
    rt::drop_timers(b);
    throw Panic(report);
  }
  rt::drop_timers(b);
  if (thrown) std::rethrow_exception(thrown);
}

void bubble_wait() {
  G* self = rt::current_g();
  Bubble* b = self != nullptr && self->kind == G::Kind::goroutine ? self->bubble : nullptr;
  if (b == nullptr) throw Panic("goroutine is not in a bubble");
  b->mu.lock();
  if (b->waiter != nullptr) {
    b->mu.unlock();
    throw Panic("wait already in progress");
  }
  b->waiter = self;
  b->mu.unlock();
  // Not under b->mu: after_park takes it to count this goroutine as blocked. The
  // driver wakes the waiter only once everyone, this goroutine included, is
  // counted as blocked, so it cannot be readied before it has parked.
  self->durable_park = true;
  rt::park([](G*, void*) {}, nullptr, "synctest.Wait");
}

}  // namespace gocxx::detail
