// E71 context-api: the context package packages the done
// channel idiom, with deadlines, cancellation causes and values. This program calls
// every function of the tutorial's listing and prints what it observes, one line per
// fact (durations are measured with the monotonic clock; timeouts are 20ms):
//   Canceled, DeadlineExceeded; Background, TODO; WithCancel (and propagation to
//   derived contexts, many goroutines on one context); WithTimeout, WithDeadline
//   (and the earlier-deadline rule); WithCancelCause, WithDeadlineCause,
//   WithTimeoutCause, Cause; WithoutCancel; WithValue, Value; AfterFunc.
#include <any>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>

#include "gocxx/gocxx.hpp"

using namespace std::chrono_literals;
namespace context = gocxx::context;
namespace errors = gocxx::errors;
using gocxx::Error;

namespace {

constexpr auto kTimeout = 20ms;

const char* yes(bool b) {
  return b ? "true" : "false";
}

// fmt's %v of an error: its message, or <nil>.
std::string str(const Error& err) {
  return err.message();
}

// fmt's %v of an `any` holding a string or an int.
std::string str(const std::any& v) {
  if (!v.has_value()) return "<nil>";
  if (const auto* s = std::any_cast<std::string>(&v)) return *s;
  if (const auto* i = std::any_cast<int>(&v)) return std::to_string(*i);
  return "?";
}

bool closed(const gocxx::RecvChan<>& done) {
  return done && done.try_recv().has_value();
}

// Waits for ctx to be done and returns how long that took from `start`.
std::string wait_done(const context::Context& ctx, gocxx::time::Time start) {
  ctx.done().recv();
  return gocxx::time::to_string(gocxx::time::since(start));
}

// Deadline() is set and lies in [before + d, after + d]: `now + d` at the call.
bool deadline_is_now_plus(const context::Context& ctx, gocxx::time::Time before,
                          gocxx::time::Time after, gocxx::time::Duration d) {
  auto deadline = ctx.deadline();
  return deadline && before + d <= *deadline && *deadline <= after + d;
}

void sentinels() {
  std::printf("Canceled: %s\n", str(context::canceled).c_str());
  std::printf("DeadlineExceeded: %s (Timeout(): %s)\n", str(context::deadline_exceeded).c_str(),
              yes(context::deadline_exceeded.get()->timeout()));
}

void roots() {
  for (const context::Context& ctx : {context::background(), context::todo()}) {
    std::printf("%s: Done nil: %s, Deadline ok: %s, Err: %s, Cause: %s, Value(\"k\"): %s\n",
                ctx.to_string().c_str(), yes(!ctx.done()), yes(ctx.deadline().has_value()),
                str(ctx.err()).c_str(), str(context::cause(ctx)).c_str(),
                str(ctx.value("k")).c_str());
  }
}

void with_cancel() {
  auto [ctx, cancel] = context::with_cancel(context::background());
  std::printf("%s: Deadline ok: %s, Done closed: %s, Err: %s, Cause: %s\n", ctx.to_string().c_str(),
              yes(ctx.deadline().has_value()), yes(closed(ctx.done())), str(ctx.err()).c_str(),
              str(context::cause(ctx)).c_str());
  cancel();
  std::printf(
      "WithCancel after cancel(): Done closed: %s, Err: %s, Err == Canceled: %s, Cause: %s\n",
      yes(closed(ctx.done())), str(ctx.err()).c_str(), yes(ctx.err() == context::canceled),
      str(context::cause(ctx)).c_str());
  cancel();  // harmless
  std::printf("WithCancel after a second cancel(): Err: %s\n", str(ctx.err()).c_str());

  // Cancelling a child leaves its parent alone; cancelling a parent cancels every
  // context derived from it, through values and deadlines.
  auto [parent, cancel_parent] = context::with_cancel(context::background());
  auto [child, cancel_child] = context::with_cancel(parent);
  cancel_child();
  std::printf("WithCancel child cancelled: child Err: %s, parent Err: %s\n",
              str(child.err()).c_str(), str(parent.err()).c_str());
  context::Context valued = context::with_value(parent, "k", "v");
  auto [timed, cancel_timed] = context::with_timeout(valued, 1h);
  auto [leaf, cancel_leaf] = context::with_cancel(timed);
  cancel_parent();
  std::printf(
      "WithCancel parent cancelled: Err of WithValue: %s, WithTimeout(1h): %s, "
      "WithCancel below them: %s\n",
      str(valued.err()).c_str(), str(timed.err()).c_str(), str(leaf.err()).c_str());
  auto [late, cancel_late] = context::with_cancel(parent);
  std::printf("WithCancel of a cancelled parent: Err: %s\n", str(late.err()).c_str());
  cancel_timed();
  cancel_leaf();
  cancel_late();

  // One Context is safe to use from many goroutines.
  auto [shared, cancel_shared] = context::with_cancel(context::background());
  gocxx::sync::WaitGroup wg;
  std::atomic<int> saw{0};
  for (int i = 0; i < 10; i++) {
    wg.add(1);
    gocxx::go([&wg, &saw, shared = shared] {
      shared.done().recv();
      if (shared.err() == context::canceled) saw++;
      wg.done();
    });
  }
  cancel_shared();
  wg.wait();
  std::printf("WithCancel shared by 10 goroutines: %d saw context canceled\n", saw.load());
}

void with_timeout_and_deadline() {
  auto before = gocxx::time::now();
  auto [ctx, cancel] = context::with_timeout(context::background(), kTimeout);
  auto after = gocxx::time::now();
  std::printf("WithTimeout(20ms): Deadline ok and = now + 20ms: %s, Err before: %s\n",
              yes(deadline_is_now_plus(ctx, before, after, kTimeout)), str(ctx.err()).c_str());
  std::string took = wait_done(ctx, before);
  std::printf("WithTimeout(20ms): Done closed after %s\n", took.c_str());
  std::printf("WithTimeout(20ms): Err: %s, Err == DeadlineExceeded: %s, Cause: %s\n",
              str(ctx.err()).c_str(), yes(ctx.err() == context::deadline_exceeded),
              str(context::cause(ctx)).c_str());
  cancel();
  std::printf("WithTimeout(20ms) cancel() after expiry: Err: %s\n", str(ctx.err()).c_str());

  auto [early, cancel_early] = context::with_timeout(context::background(), 1h);
  cancel_early();
  std::printf("WithTimeout(1h) cancel(): Err: %s\n", str(early.err()).c_str());

  // A child's deadline is the earlier of its parent's and its own.
  auto [short_parent, c1] = context::with_timeout(context::background(), kTimeout);
  auto [long_child, c2] = context::with_timeout(short_parent, 1h);
  std::printf("WithTimeout(1h) under a 20ms parent: Deadline == parent's: %s\n",
              yes(long_child.deadline() == short_parent.deadline()));
  auto [long_parent, c3] = context::with_timeout(context::background(), 1h);
  before = gocxx::time::now();
  auto [short_child, c4] = context::with_timeout(long_parent, kTimeout);
  after = gocxx::time::now();
  std::printf("WithTimeout(20ms) under a 1h parent: Deadline = now + 20ms: %s\n",
              yes(deadline_is_now_plus(short_child, before, after, kTimeout)));
  long_child.done().recv();
  std::printf("WithTimeout(1h) under a 20ms parent, after the parent's deadline: Err: %s\n",
              str(long_child.err()).c_str());
  c1();
  c2();
  c3();
  c4();

  auto start = gocxx::time::now();
  auto d = start + kTimeout;
  auto [dctx, dcancel] = context::with_deadline(context::background(), d);
  std::printf("WithDeadline(now + 20ms): Deadline == d: %s\n", yes(dctx.deadline() == d));
  took = wait_done(dctx, start);
  std::printf("WithDeadline(now + 20ms): Done closed after %s\n", took.c_str());
  std::printf("WithDeadline(now + 20ms): Err: %s\n", str(dctx.err()).c_str());
  dcancel();
  auto [past, pcancel] = context::with_deadline(context::background(), gocxx::time::now() - 1s);
  std::printf("WithDeadline(now - 1s): Done closed: %s, Err: %s\n", yes(closed(past.done())),
              str(past.err()).c_str());
  pcancel();
}

void causes() {
  Error my_cause = errors::make("my cause");
  auto [ctx, cancel] = context::with_cancel_cause(context::background());
  std::printf("WithCancelCause: Cause before cancel: %s\n", str(context::cause(ctx)).c_str());
  cancel(my_cause);
  cancel(errors::make("second cause"));  // the first cancellation wins
  std::printf("WithCancelCause cancel(cause): Err: %s, Cause: %s, Cause == cause: %s\n",
              str(ctx.err()).c_str(), str(context::cause(ctx)).c_str(),
              yes(context::cause(ctx) == my_cause));
  auto [nctx, ncancel] = context::with_cancel_cause(context::background());
  ncancel(Error());
  std::printf("WithCancelCause cancel(nil): Err: %s, Cause == Canceled: %s\n",
              str(nctx.err()).c_str(), yes(context::cause(nctx) == context::canceled));
  auto [child, child_cancel] = context::with_cancel(ctx);
  std::printf("WithCancel under a cancel(cause) parent: Err: %s, Cause: %s\n",
              str(child.err()).c_str(), str(context::cause(child)).c_str());
  child_cancel();

  Error deadline_cause = errors::make("deadline cause");
  auto start = gocxx::time::now();
  auto [dctx, dcancel] =
      context::with_deadline_cause(context::background(), start + kTimeout, deadline_cause);
  std::printf("WithDeadlineCause(now + 20ms, cause): live Cause: %s\n",
              str(context::cause(dctx)).c_str());
  std::string took = wait_done(dctx, start);
  std::printf("WithDeadlineCause(now + 20ms, cause): Done closed after %s\n", took.c_str());
  std::printf("WithDeadlineCause(now + 20ms, cause): Err: %s, Cause: %s, Cause == cause: %s\n",
              str(dctx.err()).c_str(), str(context::cause(dctx)).c_str(),
              yes(context::cause(dctx) == deadline_cause));
  dcancel();

  Error timeout_cause = errors::make("timeout cause");
  start = gocxx::time::now();
  auto [tctx, tcancel] =
      context::with_timeout_cause(context::background(), kTimeout, timeout_cause);
  std::printf("WithTimeoutCause(20ms, cause): live Cause: %s\n", str(context::cause(tctx)).c_str());
  took = wait_done(tctx, start);
  std::printf("WithTimeoutCause(20ms, cause): Done closed after %s\n", took.c_str());
  std::printf("WithTimeoutCause(20ms, cause): Err: %s, Cause: %s, Cause == cause: %s\n",
              str(tctx.err()).c_str(), str(context::cause(tctx)).c_str(),
              yes(context::cause(tctx) == timeout_cause));
  tcancel();
  auto [ectx, ecancel] = context::with_timeout_cause(context::background(), 1h, timeout_cause);
  ecancel();
  std::printf("WithTimeoutCause(1h, cause) cancel(): Err: %s, Cause: %s\n", str(ectx.err()).c_str(),
              str(context::cause(ectx)).c_str());

  std::printf("Cause(Background()): %s\n", str(context::cause(context::background())).c_str());
}

void without_cancel() {
  auto [parent, cancel] =
      context::with_timeout(context::with_value(context::background(), "user", "jane"), 1h);
  context::Context ctx = context::without_cancel(parent);
  cancel();
  std::printf(
      "WithoutCancel, parent cancelled: parent Err: %s; Done nil: %s, Deadline ok: %s, "
      "Err: %s, Cause: %s, Value(\"user\"): %s\n",
      str(parent.err()).c_str(), yes(!ctx.done()), yes(ctx.deadline().has_value()),
      str(ctx.err()).c_str(), str(context::cause(ctx)).c_str(), str(ctx.value("user")).c_str());
  std::printf("WithoutCancel: %s\n",
              context::without_cancel(context::with_value(context::background(), "user", "jane"))
                  .to_string()
                  .c_str());
}

struct Key {
  int id;
  bool operator==(const Key&) const = default;
};
struct OtherKey {
  int id;
  bool operator==(const OtherKey&) const = default;
};

void with_value() {
  context::Context ctx = context::with_value(context::background(), "authToken", "abc123");
  ctx = context::with_value(ctx, "userID", "jane");
  std::printf("%s\n", ctx.to_string().c_str());
  std::printf(
      "WithValue: Value(\"userID\"): %s, Value(\"authToken\") (the parent's): %s, "
      "Value(\"unknown\"): %s\n",
      str(ctx.value("userID")).c_str(), str(ctx.value("authToken")).c_str(),
      str(ctx.value("unknown")).c_str());
  context::Context shadow = context::with_value(ctx, "userID", "joe");
  std::printf("WithValue over the same key: child Value(\"userID\"): %s, parent's: %s\n",
              str(shadow.value("userID")).c_str(), str(ctx.value("userID")).c_str());
  context::Context typed = context::with_value(context::background(), Key{1}, 42);
  std::printf(
      "WithValue keys match by type and value: Value(Key{1}): %s, Value(OtherKey{1}): %s, "
      "Value(Key{2}): %s, Value<int>(Key{1}): %d\n",
      str(typed.value(Key{1})).c_str(), str(typed.value(OtherKey{1})).c_str(),
      str(typed.value(Key{2})).c_str(), typed.value<int>(Key{1}).value_or(-1));
  auto [cctx, cancel] = context::with_cancel(ctx);
  std::printf("WithValue seen through WithCancel: Value(\"userID\"): %s\n",
              str(cctx.value("userID")).c_str());
  cancel();
}

void after_func() {
  std::atomic<int> runs{0};
  std::atomic<std::uint64_t> runner{0};
  auto ran = gocxx::make_chan<>(1);
  auto [ctx, cancel] = context::with_cancel(context::background());
  auto stop = context::after_func(ctx, [&runs, &runner, ran] {
    runs++;
    runner = gocxx::runtime::goroutine_id();
    ran.send();
  });
  std::printf("AfterFunc before cancel: f ran %d times\n", runs.load());
  cancel();
  ran.recv();
  cancel();
  gocxx::time::sleep(10ms);  // time enough for a (wrong) second run
  std::printf("AfterFunc after cancel: f ran %d time(s), in its own goroutine: %s\n", runs.load(),
              yes(runner != 0 && runner != gocxx::runtime::goroutine_id()));
  std::printf("AfterFunc stop() after f started: %s\n", yes(stop()));

  std::atomic<int> stopped_runs{0};
  auto [ctx2, cancel2] = context::with_cancel(context::background());
  auto stop2 = context::after_func(ctx2, [&stopped_runs] { stopped_runs++; });
  bool first = stop2();
  bool second = stop2();
  cancel2();
  auto witness = gocxx::make_chan<>(1);
  context::after_func(ctx2, [witness] { witness.send(); });  // runs at once: ctx2 is done
  witness.recv();
  std::printf("AfterFunc on a done context: f ran\n");
  gocxx::time::sleep(10ms);  // time enough for a (wrong) run of the stopped f
  std::printf(
      "AfterFunc stop() before cancel: %s, stop() again: %s, then cancel(): f ran %d "
      "times\n",
      yes(first), yes(second), stopped_runs.load());
}

}  // namespace

int main() {
  return gocxx::run([] {
    sentinels();
    roots();
    with_cancel();
    with_timeout_and_deadline();
    causes();
    without_cancel();
    with_value();
    after_func();
  });
}
