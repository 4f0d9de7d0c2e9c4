// The seed tour's example programs (examples/tour), each run as a child process and
// checked against what shared/SEED-EXAMPLES.md says its test must check.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/sanitizers.hpp"
#include "subprocess.hpp"

using gocxx::testing::ProcessResult;
using gocxx::testing::run_process;

namespace {

ProcessResult tour(const std::string& id, const std::vector<std::string>& args = {},
                   const std::vector<std::string>& env = {}, double timeout_seconds = 60) {
  std::vector<std::string> argv{std::string(GOCXX_TOUR_DIR) + "/tour_" + id};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, env, timeout_seconds);
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::multiset<std::string> multiset_of(const std::vector<std::string>& v) {
  return {v.begin(), v.end()};
}

// Exit status 0, nothing on stderr, and stdout exactly `out`.
void expect_output(const ProcessResult& r, const std::string& out) {
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, out);
  EXPECT_EQ(r.err, "");
}

// A process that ends with an uncaught panic: exit status 2, stderr starts with it.
void expect_panic(const ProcessResult& r, const std::string& message) {
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.rfind("panic: " + message + "\n", 0), 0u) << r.err;
}

bool matches(const std::string& text, const std::string& re) {
  return std::regex_search(text, std::regex(re));
}

// Go's Duration.String() ("1.5s", "2m3.5s", "10.2ms", "1.234\u00b5s", "0s") in
// seconds; -1 if it is not one.
double go_duration_seconds(const std::string& text) {
  static const std::regex part("([0-9]+(\\.[0-9]+)?)(h|ms|m|s|\xc2\xb5s|ns)");
  double seconds = 0;
  std::ptrdiff_t pos = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), part); it != std::sregex_iterator();
       ++it) {
    if (it->position() != pos) return -1;
    pos += it->length();
    double v = std::stod((*it)[1]);
    std::string unit = (*it)[3];
    seconds += v * (unit == "h"    ? 3600
                    : unit == "m"  ? 60
                    : unit == "s"  ? 1
                    : unit == "ms" ? 1e-3
                    : unit == "ns" ? 1e-9
                                   : 1e-6);
  }
  if (text == "0s") return 0;
  return pos > 0 && pos == static_cast<std::ptrdiff_t>(text.size()) ? seconds : -1;
}

// "About x seconds" (SEED-EXAMPLES.md): never early (1 ms for rounding), and late
// by at most max(50 ms, 50 % of x).
void expect_about(double seconds, double x, const std::string& what) {
  EXPECT_GE(seconds, x - 0.001) << what;
  EXPECT_LE(seconds, x + std::max(0.05, 0.5 * x)) << what;
}

// The programs' --elapsed line (`elapsed <Go duration>`, last): its value in seconds,
// and the output before it in *rest. -1 if there is none.
double take_elapsed(const std::string& out, std::string* rest) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex("(^|\n)elapsed ([^\n]+)\n$"))) return -1;
  *rest = out.substr(0, static_cast<std::size_t>(m.position(0)) + m[1].length());
  return go_duration_seconds(m[2]);
}

}  // namespace

TEST(Tour, E08_CspCopyProcessAndPair) {
  expect_output(tour("E08"), "east: hello (closed)\nDIV?(x, y): x=19 y=13\n");
}

TEST(Tour, E09_MainDoesNotWaitForItsChildren) {
  ProcessResult r = tour("E09");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.empty() || r.out.back() == '\n') << r.out;
  std::vector<std::string> got = lines(r.out);
  EXPECT_LE(got.size(), 3u) << r.out;
  for (const std::string& line : got) EXPECT_EQ(line, "hello");
}

TEST(Tour, E09_JoinedVariantPrintsThreeHellos) {
  expect_output(tour("E09", {"--join"}), "hello\nhello\nhello\n");
}

TEST(Tour, E10_WaitIsTheJoinPoint) {
  expect_output(tour("E10"), "hello\n");
  // The child printed before Wait returned.
  expect_output(tour("E10", {"--verbose"}), "hello\njoined\n");
}

TEST(Tour, E11_ClosuresShareTheVariable) {
  ProcessResult r = tour("E11");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> got = lines(r.out);
  ASSERT_EQ(got.size(), 3u) << r.out;
  const std::set<std::string> salutations{"hello", "greetings", "good day"};
  for (const std::string& line : got) EXPECT_TRUE(salutations.count(line)) << line;
}

TEST(Tour, E12_ArgumentsAreCopied) {
  ProcessResult r = tour("E12");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(multiset_of(lines(r.out)),
            (std::multiset<std::string>{"hello", "greetings", "good day"}))
      << r.out;
}

TEST(Tour, E13_GoroutineMemorySize) {
#if defined(GOCXX_TSAN)
  // ThreadSanitizer counts every goroutine as a thread, and allows 8128 at once.
  ProcessResult r = tour("E13", {"2000"});
#else
  ProcessResult r = tour("E13");
#endif
  // main returned with all those goroutines still blocked: a normal exit.
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_match(r.out, m, std::regex("([0-9]+\\.[0-9]{3})KB"))) << r.out;
  double kb = std::stod(m[1]);
  EXPECT_GT(kb, 0.0);
  // Resident KB per blocked goroutine (gocxx: about 4.3KB, RelWithDebInfo, x86-64).
  if (!gocxx::rt::kUnderSanitizer) {
    EXPECT_LT(kb, 64.0) << "soft bound";
  }
  std::cout << "E13: " << r.out << " per goroutine (Go: about 2.5KB)\n";
}

TEST(Tour, E14_ContextSwitchBenchmark) {
  ProcessResult r = tour("E14", {}, {}, 120);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_match(
      r.out, m,
      std::regex(
          "received 1000000 of 1000000\nBenchmarkContextSwitch\t1000000\t([0-9.]+) ns/op\n")))
      << r.out;
  double ns = std::stod(m[1]);
  if (!gocxx::rt::kUnderSanitizer) {
    EXPECT_LT(ns, 10'000.0) << "soft bound: 10us per context switch";
  }
  std::cout << "E14: " << ns << " ns/op (Go: about 225 ns)\n";
}

TEST(Tour, E30_ChannelDirections) {
  // The direction rules themselves are static_asserts in the program.
  expect_output(tour("E30"), "sent through chan<-, received through <-chan\n");
}

TEST(Tour, E31_ChannelHello) {
  expect_output(tour("E31"), "Hello channels!\n");
}

TEST(Tour, E33_ClosedChannelYieldsZeroAndFalse) {
  expect_output(tour("E33"), "(false): 0");
  expect_output(tour("E33", {"1000"}), "(false): 0\n1000 more receives: 1000 gave (false): 0\n");
}

TEST(Tour, E34_RangeOverChannel) {
  expect_output(tour("E34"), "1 2 3 4 5 ");
}

TEST(Tour, E35_CloseReleasesEveryWaiter) {
  ProcessResult r = tour("E35");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> got = lines(r.out);
  ASSERT_EQ(got.size(), 6u) << r.out;  // also: nobody passed <-begin before close
  EXPECT_EQ(got[0], "Unblocking goroutines...");
  EXPECT_EQ(multiset_of({got.begin() + 1, got.end()}),
            (std::multiset<std::string>{"0 has begun", "1 has begun", "2 has begun", "3 has begun",
                                        "4 has begun"}))
      << r.out;
}

TEST(Tour, E36_FifthSendBlocksUntilAReceive) {
  expect_output(tour("E36"),
                "buffer 4/4, 'E' sent: no\n"
                "received 'A'\n"
                "'E' sent: yes, buffer held BCDE\n");
}

TEST(Tour, E37_BufferedProducerLog) {
  ProcessResult r = tour("E37");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> got = lines(r.out);
  std::vector<std::string> want;
  for (int i = 0; i < 5; i++) want.push_back("Sending: " + std::to_string(i));
  want.push_back("Producer Done.");
  for (int i = 0; i < 5; i++) want.push_back("Received " + std::to_string(i) + ".");
  ASSERT_EQ(multiset_of(got), multiset_of(want)) << r.out;  // each line exactly once
  auto at = [&](const std::string& line) {
    return std::find(got.begin(), got.end(), line) - got.begin();
  };
  for (int i = 0; i < 5; i++) {
    std::string s = std::to_string(i);
    EXPECT_LT(at("Sending: " + s), at("Received " + s + ".")) << r.out;
    if (i > 0) {
      std::string p = std::to_string(i - 1);
      EXPECT_LT(at("Sending: " + p), at("Sending: " + s)) << r.out;
      EXPECT_LT(at("Received " + p + "."), at("Received " + s + ".")) << r.out;
    }
  }
  EXPECT_LT(at("Sending: 4"), at("Producer Done.")) << r.out;
}

TEST(Tour, E38_CloseOfNilChannelPanics) {
  ProcessResult r = tour("E38", {"close-nil"});
  expect_panic(r, "close of nil channel");
  EXPECT_EQ(r.out, "");
}

TEST(Tour, E38_CloseOfClosedChannelPanics) {
  expect_panic(tour("E38", {"close-closed"}), "close of closed channel");
}

TEST(Tour, E38_SendOnClosedChannelPanics) {
  expect_panic(tour("E38", {"send-closed"}), "send on closed channel");
}

TEST(Tour, E38_NilChannelReceiveAndSendBlockForever) {
  expect_output(tour("E38", {"recv-nil"}),
                "a goroutine is blocked forever: [chan receive (nil chan)]\n"
                "main goes on and returns\n");
  expect_output(tour("E38", {"send-nil"}),
                "a goroutine is blocked forever: [chan send (nil chan)]\n"
                "main goes on and returns\n");
  // (f), closing a receive-only channel, is a static_assert in the program.
}

TEST(Tour, E39_OwnerHandsOutTheReceiveSide) {
  expect_output(tour("E39"),
                "Received: 0\nReceived: 1\nReceived: 2\nReceived: 3\nReceived: 4\nReceived: 5\n"
                "Done receiving!\n");
}

TEST(Tour, E40_OnlyTheReadyCaseRuns) {
  expect_output(tour("E40"),
                "all nil: the select blocks forever\n"
                "only c2 ready: case <-c2\n"
                "only c3 has a receiver: case c3 <- struct{}{}, received: true\n");
}

TEST(Tour, E41_SelectBlocksUntilTheClose) {
  ProcessResult r = tour("E41", {"--scale", "100"});  // 5s -> 50ms
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(r.out, m,
                               std::regex("Blocking on read\\.\\.\\.\nUnblocked (.+) later\\.\n")))
      << r.out;
  expect_about(go_duration_seconds(m[1]), 0.050, r.out);
  EXPECT_GE(r.seconds, 0.049);
}

TEST(Tour, E42_SelectChoosesUniformly) {
  ProcessResult r = tour("E42");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_match(r.out, m, std::regex("c1Count: ([0-9]+)\nc2Count: ([0-9]+)\n")))
      << r.out;
  int c1 = std::stoi(m[1]), c2 = std::stoi(m[2]);
  EXPECT_EQ(c1 + c2, 1000);
  // About 6 standard deviations of a fair coin: a false failure is negligible.
  EXPECT_GE(c1, 400);
  EXPECT_LE(c1, 600);
  EXPECT_GE(c2, 400);
  EXPECT_LE(c2, 600);
}

TEST(Tour, E43_TimeAfterTimesOutTheSelect) {
  ProcessResult r = tour("E43", {"--scale", "100", "--elapsed"});  // 1s -> 10ms
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::string out;
  double elapsed = take_elapsed(r.out, &out);
  EXPECT_EQ(out, "Timed out.\n");
  expect_about(elapsed, 0.010, r.out);
  expect_output(tour("E43", {"--scale", "100"}), "Timed out.\n");
}

TEST(Tour, E44_DefaultRunsAtOnce) {
  ProcessResult r = tour("E44");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_match(
      r.out, m, std::regex("In default after ([0-9]+(\\.[0-9]+)?)(ns|\xc2\xb5s|ms|s)\n\n")))
      << r.out;
  double v = std::stod(m[1]);
  std::string unit = m[3];
  double ns = v * (unit == "ns" ? 1 : unit == "s" ? 1e9 : unit == "ms" ? 1e6 : 1e3);
  EXPECT_LT(ns, 50e6) << "soft bound: 50ms";
}

TEST(Tour, E45_ForSelectDefaultWorksUntilDone) {
  ProcessResult r = tour("E45", {"--scale", "10"});  // work 100ms, done after 500ms
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(
      r.out, m, std::regex("Achieved ([0-9]+) cycles of work before signalled to stop\\.\n")))
      << r.out;
  // 5 expected; 6 if the check at 500ms ran just before the close.
  int n = std::stoi(m[1]);
  EXPECT_TRUE(n == 5 || n == 6) << r.out;
  EXPECT_GE(r.seconds, 0.499);
}

TEST(Tour, E46_EmptySelectBlocksForever) {
  ProcessResult r = tour("E46");
  expect_output(r,
                "goroutine blocked in select {}\n"
                "after 100ms it is still blocked: true\n"
                "main returns\n");
  EXPECT_GE(r.seconds, 0.099);
}

TEST(Tour, E47_GomaxprocsDefaultsToNumCpuAndReturnsThePreviousSetting) {
  ProcessResult r = tour("E47", {}, {"GOMAXPROCS="});  // the default setting
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("^runtime.NumCPU\\(\\) = ([0-9]+)\n")))
      << r.out;
  std::string n = m[1];
  EXPECT_EQ(r.out, "runtime.NumCPU() = " + n + "\n" + "runtime.GOMAXPROCS(0) = " + n + "\n" +
                       "runtime.GOMAXPROCS(runtime.NumCPU()) = " + n + "\n" +
                       "runtime.GOMAXPROCS(1) = " + n + "\n" + "runtime.GOMAXPROCS(2) = 1\n" +
                       "runtime.GOMAXPROCS(0) = 2\n");
}

TEST(Tour, E48_GomaxprocsZeroOnlyQueries) {
  for (std::string procs : {"", "1", "5"}) {
    ProcessResult r = tour("E48", {}, {"GOMAXPROCS=" + procs});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_match(r.out, m,
                                 std::regex("numCPU = runtime.GOMAXPROCS\\(0\\) = ([0-9]+)\n"
                                            "runtime.GOMAXPROCS\\(0\\) = ([0-9]+)\n"
                                            "runtime.GOMAXPROCS\\(3\\) = ([0-9]+)\n"
                                            "runtime.GOMAXPROCS\\(0\\) = 3\n"
                                            "runtime.GOMAXPROCS\\(0\\) = 3\n")))
        << r.out;
    EXPECT_EQ(m[1], m[2]);  // two queries in a row agree
    EXPECT_EQ(m[3], m[1]);  // and a setting returns the value they reported
    if (!procs.empty()) {
      EXPECT_EQ(m[1], procs);
    }
  }
}

TEST(Tour, E71_ContextApi) {
  ProcessResult r = tour("E71");
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  // "{20ms}" stands for a measured duration of about 20ms.
  const std::vector<std::string> want{
      "Canceled: context canceled",
      "DeadlineExceeded: context deadline exceeded (Timeout(): true)",
      // Background and TODO: never cancelled, no deadline, error, cause or values.
      "context.Background: Done nil: true, Deadline ok: false, Err: <nil>, Cause: <nil>, "
      "Value(\"k\"): <nil>",
      "context.TODO: Done nil: true, Deadline ok: false, Err: <nil>, Cause: <nil>, "
      "Value(\"k\"): <nil>",
      // WithCancel: Done closes and Err is Canceled after cancel; a second cancel is
      // harmless; cancelling a parent cancels every derived context, and only those.
      "context.Background.WithCancel: Deadline ok: false, Done closed: false, Err: <nil>, "
      "Cause: <nil>",
      "WithCancel after cancel(): Done closed: true, Err: context canceled, "
      "Err == Canceled: true, Cause: context canceled",
      "WithCancel after a second cancel(): Err: context canceled",
      "WithCancel child cancelled: child Err: context canceled, parent Err: <nil>",
      "WithCancel parent cancelled: Err of WithValue: context canceled, WithTimeout(1h): "
      "context canceled, WithCancel below them: context canceled",
      "WithCancel of a cancelled parent: Err: context canceled",
      "WithCancel shared by 10 goroutines: 10 saw context canceled",
      // WithTimeout: Deadline = now + d; Done closes after d with DeadlineExceeded;
      // a child's deadline is the earlier of its parent's and its own.
      "WithTimeout(20ms): Deadline ok and = now + 20ms: true, Err before: <nil>",
      "WithTimeout(20ms): Done closed after {20ms}",
      "WithTimeout(20ms): Err: context deadline exceeded, Err == DeadlineExceeded: true, "
      "Cause: context deadline exceeded",
      "WithTimeout(20ms) cancel() after expiry: Err: context deadline exceeded",
      "WithTimeout(1h) cancel(): Err: context canceled",
      "WithTimeout(1h) under a 20ms parent: Deadline == parent's: true",
      "WithTimeout(20ms) under a 1h parent: Deadline = now + 20ms: true",
      "WithTimeout(1h) under a 20ms parent, after the parent's deadline: "
      "Err: context deadline exceeded",
      "WithDeadline(now + 20ms): Deadline == d: true",
      "WithDeadline(now + 20ms): Done closed after {20ms}",
      "WithDeadline(now + 20ms): Err: context deadline exceeded",
      "WithDeadline(now - 1s): Done closed: true, Err: context deadline exceeded",
      // Causes: Cause is the cause while Err is Canceled; cancel(nil) gives Canceled;
      // the first cancellation wins; a deadline's cause; nil while live.
      "WithCancelCause: Cause before cancel: <nil>",
      "WithCancelCause cancel(cause): Err: context canceled, Cause: my cause, "
      "Cause == cause: true",
      "WithCancelCause cancel(nil): Err: context canceled, Cause == Canceled: true",
      "WithCancel under a cancel(cause) parent: Err: context canceled, Cause: my cause",
      "WithDeadlineCause(now + 20ms, cause): live Cause: <nil>",
      "WithDeadlineCause(now + 20ms, cause): Done closed after {20ms}",
      "WithDeadlineCause(now + 20ms, cause): Err: context deadline exceeded, "
      "Cause: deadline cause, Cause == cause: true",
      "WithTimeoutCause(20ms, cause): live Cause: <nil>",
      "WithTimeoutCause(20ms, cause): Done closed after {20ms}",
      "WithTimeoutCause(20ms, cause): Err: context deadline exceeded, Cause: timeout cause, "
      "Cause == cause: true",
      "WithTimeoutCause(1h, cause) cancel(): Err: context canceled, Cause: context canceled",
      "Cause(Background()): <nil>",
      // WithoutCancel: unaffected by its parent's cancel, no deadline, nil Done, the
      // parent's values.
      "WithoutCancel, parent cancelled: parent Err: context canceled; Done nil: true, "
      "Deadline ok: false, Err: <nil>, Cause: <nil>, Value(\"user\"): jane",
      "WithoutCancel: context.Background.WithValue(user, jane).WithoutCancel",
      // WithValue: own key, parent's key, unknown key; keys match by type and value.
      "context.Background.WithValue(authToken, abc123).WithValue(userID, jane)",
      "WithValue: Value(\"userID\"): jane, Value(\"authToken\") (the parent's): abc123, "
      "Value(\"unknown\"): <nil>",
      "WithValue over the same key: child Value(\"userID\"): joe, parent's: jane",
      "WithValue keys match by type and value: Value(Key{1}): 42, Value(OtherKey{1}): <nil>, "
      "Value(Key{2}): <nil>, Value<int>(Key{1}): 42",
      "WithValue seen through WithCancel: Value(\"userID\"): jane",
      // AfterFunc: f runs once, in its own goroutine, after cancel; stop() returns
      // true iff it prevented f from running.
      "AfterFunc before cancel: f ran 0 times",
      "AfterFunc after cancel: f ran 1 time(s), in its own goroutine: true",
      "AfterFunc stop() after f started: false",
      "AfterFunc on a done context: f ran",
      "AfterFunc stop() before cancel: true, stop() again: false, then cancel(): f ran 0 times",
  };
  std::vector<std::string> got = lines(r.out);
  ASSERT_EQ(got.size(), want.size()) << r.out;
  for (std::size_t i = 0; i < want.size(); i++) {
    std::size_t at = want[i].find("{20ms}");
    if (at == std::string::npos) {
      EXPECT_EQ(got[i], want[i]);
      continue;
    }
    std::string prefix = want[i].substr(0, at);
    ASSERT_EQ(got[i].substr(0, prefix.size()), prefix);
    expect_about(go_duration_seconds(got[i].substr(prefix.size())), 0.020, got[i]);
  }
}

TEST(Tour, E72_TimeoutCancelsGreetingThenFarewell) {
  // greeting times out after 10ms (1s), long before locale's 600ms (1 minute).
  ProcessResult r = tour("E72", {"--scale", "100", "--elapsed"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::string out;
  double elapsed = take_elapsed(r.out, &out);
  EXPECT_EQ(out,
            "cannot print greeting: context deadline exceeded\n"
            "cannot print farewell: context canceled\n");
  expect_about(elapsed, 0.010, r.out);
}

TEST(Tour, E73_ContextCarriesRequestValues) {
  expect_output(tour("E73"), "handling response for jane (abc123)");
}

TEST(Tour, E74_HeartbeatEveryInterval) {
  // done after 1s (10s), pulses every 100ms, results every 200ms, timeout 200ms.
  ProcessResult r = tour("E74", {"--scale", "10", "--elapsed"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::string out;
  double elapsed = take_elapsed(r.out, &out);
  int pulses = 0, results = 0;
  const std::regex result(
      "results [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})? "
      "\\+0000 UTC m=\\+[0-9]+\\.[0-9]{9}");
  for (const std::string& line : lines(out)) {
    if (line == "pulse") {
      pulses++;
    } else if (std::regex_match(line, result)) {  // every result carries its time
      results++;
    } else {
      ADD_FAILURE() << "unexpected line: " << line;  // `not healthy` among them
    }
  }
  EXPECT_GE(pulses, 8) << r.out;
  EXPECT_LE(pulses, 10) << r.out;
  EXPECT_GE(results, 4) << r.out;
  EXPECT_LE(results, 5) << r.out;
  // The worker closes its channels once done is closed: the consumer stops at once.
  expect_about(elapsed, 1.0, r.out);
}

TEST(Tour, E74_VerbatimWorkerLooksUnhealthy) {
  // The seed's worker never closes its channels: after done (500ms at /20) the
  // consumer hears nothing for a timeout (100ms) after the last pulse (400ms or
  // 450ms; 500ms's may lose to done), and gives up.
  ProcessResult r = tour("E74", {"--verbatim", "--scale", "20", "--elapsed"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::string out;
  double elapsed = take_elapsed(r.out, &out);
  std::vector<std::string> got = lines(out);
  ASSERT_FALSE(got.empty()) << r.out;
  EXPECT_EQ(got.back(), "worker goroutine is not healthy!");
  EXPECT_EQ(std::count(got.begin(), got.end(), "worker goroutine is not healthy!"), 1) << r.out;
  EXPECT_GE(elapsed, 0.550 - 0.001) << r.out;
  EXPECT_LE(elapsed, 0.600 + 0.300) << r.out;
}

TEST(Tour, E75_HeartbeatPerWorkUnit) {
  ProcessResult r = tour("E75");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::vector<std::string> results;
  int pulses = 0;
  for (const std::string& line : lines(r.out)) {
    if (line == "pulse") {
      pulses++;
    } else {
      results.push_back(line);
    }
  }
  // Every number, in order; a pulse per unit of work at most (pulses are dropped
  // while the last one waits in the buffer).
  EXPECT_EQ(results, (std::vector<std::string>{"results 0", "results 1", "results 2", "results 3",
                                               "results 4", "results 5", "results 6", "results 7",
                                               "results 8", "results 9"}))
      << r.out;
  EXPECT_GE(pulses, 0);
  EXPECT_LE(pulses, 10) << r.out;
  // The seed's call, doWork(done) with no numbers: both channels close at once.
  expect_output(tour("E75", {"--verbatim"}), "");
}

TEST(Tour, E76_HeartbeatMakesTheTestDeterministic) {
  // Start-up 20ms (2s), pulses every 10ms (1s), a 20ms timeout (2s) per receive.
  ProcessResult r = tour("E76", {"--scale", "100", "--elapsed"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.err, "");
  std::string out;
  double elapsed = take_elapsed(r.out, &out);
  EXPECT_EQ(out, "results 0\nresults 1\nresults 2\nresults 3\nresults 5\n");  // no timeout
  // The first result follows the first heartbeat: after start-up plus a pulse.
  expect_about(elapsed, 0.030, r.out);
}

TEST(Tour, E83_FibOverChannels) {
  expect_output(tour("E83"), "fib(4) = 3");
  int a = 1, b = 1;  // fib(1), fib(2)
  for (int n = 1; n <= 20; n++) {
    // fib(20) makes about 13 500 goroutines; under a sanitizer it takes seconds.
    bool slow = gocxx::rt::kUnderSanitizer && n > 16 && n < 20;
    if (!slow) {
      expect_output(tour("E83", {std::to_string(n)}),
                    "fib(" + std::to_string(n) + ") = " + std::to_string(a));
    }
    int next = a + b;
    a = b;
    b = next;
  }
}

TEST(Tour, E85_SpawnPolicyDecidesWhoRunsFirst) {
  expect_output(tour("E85"), "child_first: child parent\nparent_first: parent child\n");
}

TEST(Tour, E86_PanicInAGoroutineExits2) {
  ProcessResult r = tour("E86", {}, {"GOTRACEBACK="});  // the default traceback
  expect_panic(r, "test panic");
  EXPECT_TRUE(matches(r.err, "(^|\n)goroutine [0-9]+ \\[running\\]:\n")) << r.err;
  EXPECT_NE(r.err.find("created by"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("[chan receive]"), std::string::npos) << r.err;  // not main's stack
  EXPECT_EQ(r.out, "");
}

TEST(Tour, E87_GotracebackAllShowsBlockedMain) {
  ProcessResult r = tour("E87", {}, {"GOTRACEBACK=all"});
  expect_panic(r, "test panic");
  EXPECT_TRUE(matches(r.err, "(^|\n)goroutine [0-9]+ \\[running\\]:\n")) << r.err;
  EXPECT_NE(r.err.find("goroutine 1 [chan receive]:"), std::string::npos) << r.err;
}
