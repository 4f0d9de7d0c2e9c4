// Tools for testing concurrent code with GoogleTest: fake-time bubbles (Go's
// testing/synctest), leak checks (Uber's goleak) and the current test's context
// (Go 1.24's T.Context). A separate library, gocxx::testing, so production code
// does not link GoogleTest.
//
//   TEST(Server, StopsItsWorkers) {
//     Server s(gocxx::testing::test_context());  // cancelled when the test ends
//     s.run_briefly();
//     gocxx::testing::verify_none();             // fails listing what s left running
//   }
//
//   int main(int argc, char** argv) {            // or a check after every test:
//     ::testing::InitGoogleTest(&argc, argv);
//     gocxx::testing::LeakOptions options;
//     options.ignore_functions = {"myapp::Cache::janitor"};
//     gocxx::testing::install_leak_check(options);
//     return RUN_ALL_TESTS();
//   }
//
// Everything here may be called from a TEST body (a plain thread) or from a
// goroutine.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "context.hpp"
#include "detail/bubble.hpp"
#include "time.hpp"

namespace gocxx::testing {

// --- fake-time bubbles (Go's testing/synctest) ----------------------------------

// Go 1.25's synctest.Test: runs f in a new goroutine inside a new bubble and
// returns once every goroutine of the bubble has exited. Goroutines started by a
// bubble goroutine belong to it. Inside, time::now() starts at 2000-01-01
// 00:00:00 UTC (now().time_since_epoch() is 946684800s) and moves only when every
// goroutine of the bubble is durably blocked: then the timers already due fire,
// else a goroutine in wait() returns, else the clock jumps to the earliest timer
// of the bubble, which fires. Timers, tickers, sleep, after, context deadlines and
// rate limiters inside use that clock, so a one-hour timeout takes no real time.
//
// Durably blocked: a send, receive or select on channels made in the bubble (a
// select only if all its channels are), time::sleep, Cond::wait, a WaitGroup's
// wait after an add made in the bubble, a nil channel. Not durable: Mutex and
// RWMutex locks, I/O, blocking(), channels made outside the bubble.
//
// Failures: with every goroutine durably blocked and no timer to move the clock,
// bubble throws a Panic whose message is `fatal error: all goroutines in bubble
// are blocked`, a blank line and the bubble's goroutines' tracebacks; once f has
// returned the clock stops, and
// goroutines left blocked give "fatal error: main bubble goroutine has exited but
// blocked goroutines remain". Those goroutines stay blocked. An exception escaping
// f is rethrown here once the bubble's goroutines have exited. Using a bubble's
// channel or timer from outside it is Go's fatal error (`send on synctest channel
// from outside bubble`, ...). Called inside a bubble: Panic("synctest.Run called
// from within a synctest bubble"). Callable from a TEST body or a goroutine.
template <class F>
void bubble(F&& f) {
  auto* fp = &f;
  gocxx::detail::bubble_run([](void* p) { (*static_cast<decltype(fp)>(p))(); }, fp);
}

// Go 1.25's synctest.Wait: returns once every other goroutine of the caller's
// bubble is durably blocked. Panics "goroutine is not in a bubble" outside one,
// and "wait already in progress" while another goroutine of the bubble waits.
void wait();

// Go 1.27's synctest.Sleep: time::sleep(d), then wait(). Outside a bubble it
// panics as wait() does, without sleeping.
void sleep(time::Duration d);

// Whether the caller belongs to a bubble.
bool in_bubble() noexcept;

// --- leak checks ----------------------------------------------------------------

struct LeakOptions {
  // How long to keep looking while goroutines that are about to exit remain.
  time::Duration grace = std::chrono::milliseconds(500);
  // A goroutine with a frame of one of these functions is not a leak. An entry
  // matches a frame's function name with its parameter list and cv/ref
  // qualifiers removed, as `created by` lines print it:
  // `myapp::Worker::loop` matches `myapp::Worker::loop(int) const`.
  std::vector<std::string> ignore_functions;
  // Goroutines that were alive when set_baseline() last ran are not leaks.
  bool ignore_current = false;
};

// The goroutines alive now, other than the caller, each as its traceback
// (runtime::stack's format: `goroutine N [state]:`, then its frames). Looks
// again, backing off, until none remains or `grace` has passed, so with a
// goroutine that never exits it takes `grace`. A goroutine the goroutine-leak
// profile (pprof::lookup("goroutineleak")) lists, one that can never be woken,
// has the line `(leaked: it can never be woken)` after its header.
std::vector<std::string> find_leaks(const LeakOptions& options = {});

// Fails the current test with one ADD_FAILURE() (`found unexpected goroutines:`,
// then every leak's traceback) when find_leaks finds any; passes otherwise.
void verify_none(const LeakOptions& options = {});

// Remembers the goroutines alive now, for LeakOptions::ignore_current.
void set_baseline();

// Adds a GoogleTest listener that runs verify_none(options) after every test, so a
// test that leaves goroutines behind fails (it is reported before the test's
// result). Call after InitGoogleTest and before RUN_ALL_TESTS; GoogleTest owns the
// listener.
void install_leak_check(const LeakOptions& options = {});

// --- the test's context ---------------------------------------------------------

// Go 1.24's T.Context: the current test's context. Every call during one test
// (SetUp, the body, TearDown, goroutines they start) returns the same context: no
// deadline, no values, cancelled with context::canceled once the body has
// returned: in Test::TearDown() for fixtures derived from gocxx::testing::Test,
// and in any case when the test ends, before GoogleTest reports its result (a
// listener the first call installs). Panics when no test is running.
context::Context test_context();

// A fixture whose TearDown() cancels test_context(). A fixture that overrides
// TearDown() calls gocxx::testing::Test::TearDown() first, as Go cancels
// T.Context before the test's Cleanup functions run.
class Test : public ::testing::Test {
 protected:
  void TearDown() override;
};

}  // namespace gocxx::testing
