// The tour's programs (examples/tour: the tutorial's examples), each run as a child
// process and checked for the behaviour its example shows: its output, its exit
// status, and where the tutorial gives them its timings.
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

// "About x seconds", as the tutorial's examples time themselves: never early (1 ms
// for rounding), and late by at most max(50 ms, 50 % of x).
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

TEST(Tour, E01_MutexFixAndForcedInterleaving) {
  ProcessResult r = tour("E01", {"--runs", "10000"});
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::vector<std::string> got = lines(r.out);
  ASSERT_GE(got.size(), 7u) << r.out;
  // The fix: every run ends with Balance 4 or 5 and exactly one success.
  EXPECT_EQ(got[0], "with a Mutex, 10000 runs:");
  const std::regex outcome("  (.*): ([0-9]+)");
  const std::set<std::string> allowed{
      "Balance 4, Withdraw(6): <nil>, Withdraw(5): insufficient funds",
      "Balance 5, Withdraw(6): insufficient funds, Withdraw(5): <nil>"};
  std::size_t i = 1;
  long runs = 0;
  for (std::smatch m; i < got.size() && std::regex_match(got[i], m, outcome); i++) {
    EXPECT_TRUE(allowed.count(m[1])) << "impossible with a Mutex: " << got[i];
    runs += std::stol(m[2]);
  }
  EXPECT_EQ(runs, 10000) << r.out;
  // The tutorial's trace, forced: both succeed and the balance goes negative.
  EXPECT_EQ(std::vector<std::string>(got.begin() + static_cast<std::ptrdiff_t>(i), got.end()),
            (std::vector<std::string>{
                "without a lock, the tutorial's interleaving forced with channels:",
                "  goroutine 1: read 10",
                "  goroutine 2: read 10",
                "  goroutine 2: wrote 5, returned <nil>",
                "  goroutine 1: wrote -1, returned <nil>",
                "  Balance -1, successful Withdraws: 2",
            }))
      << r.out;
}

// Go's deadlock report: the fatal error, a blank line, every goroutine's traceback.
const char kDeadlockReport[] = "fatal error: all goroutines are asleep - deadlock!\n\n";

// The report, exit status 2, and `n` goroutines whose header shows `state`.
void expect_deadlock(const ProcessResult& r, const std::string& state, int n) {
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.rfind(kDeadlockReport, 0), 0u) << r.err;
  std::string header = "^goroutine [0-9]+ \\[" + state + "\\]:$";
  std::regex re(header, std::regex::multiline);
  auto it = std::sregex_iterator(r.err.begin(), r.err.end(), re);
  EXPECT_EQ(std::distance(it, std::sregex_iterator()), n) << r.err;
}

TEST(Tour, E05_PrintSumDeadlocks) {
  // Each goroutine locks its first value, sleeps 20ms (2s), then waits for the other.
  ProcessResult r = tour("E05", {"--scale", "100"}, {"GOTRACEBACK="}, 30);
  expect_deadlock(r, "sync.Mutex.Lock", 2);
  expect_deadlock(r, "sync.WaitGroup.Wait", 1);
  EXPECT_EQ(r.out, "");         // no sum= line
  EXPECT_GE(r.seconds, 0.019);  // after the 20 ms sleeps
  // The two goroutines' frames include printSum's lambda, where each blocked (with
  // debug information: Release builds have none).
  if (r.err.find("E05_deadlock_printsum.cpp:") == std::string::npos) return;
  std::regex frame(
      "main::\\{lambda\\}::operator\\(\\)::\\{lambda\\}::operator\\(\\)\n\t[^\n]*"
      "E05_deadlock_printsum.cpp:[0-9]+");
  auto it = std::sregex_iterator(r.err.begin(), r.err.end(), frame);
  EXPECT_EQ(std::distance(it, std::sregex_iterator()), 2) << r.err;
}

TEST(Tour, E06_LivelockHallway) {
  ProcessResult r = tour("E06");
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::string all_steps;
  for (int i = 0; i < 5; i++) all_steps += " left right";
  // A block: `<Name> is trying to scoot:` and its steps, then `. Success!` or the
  // exasperation line, then the newline of fmt.Println.
  const std::regex block(
      "(Alice|Barbara) is trying to scoot:((?: left| right)*)"
      "(\\. Success!|\n\\1 tosses her hands up in exasperation!)\n");
  std::multiset<std::string> names;
  std::string rest = r.out;
  for (std::smatch m; !rest.empty();) {
    ASSERT_TRUE(std::regex_search(rest, m, block, std::regex_constants::match_continuous))
        << "unexpected output: " << rest;
    names.insert(m[1]);
    std::string steps = m[2];
    EXPECT_EQ(all_steps.compare(0, steps.size(), steps), 0) << m[0];  // a prefix
    if (m[3] == ". Success!") {
      EXPECT_FALSE(steps.empty()) << m[0];
    } else {
      EXPECT_EQ(steps, all_steps) << m[0];  // gives up only after 5 rounds
    }
    rest = m.suffix();
  }
  EXPECT_EQ(names, (std::multiset<std::string>{"Alice", "Barbara"})) << r.out;
}

TEST(Tour, E07_StarvationGreedyAndPolite) {
  ProcessResult r = tour("E07", {"--scale", "10", "--elapsed"});  // runtime 100ms (1s)
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::string out;
  double elapsed = take_elapsed(r.out, &out);
  std::vector<std::string> got = lines(out);
  ASSERT_EQ(got.size(), 2u) << r.out;
  std::sort(got.begin(), got.end());
  std::smatch greedy, polite;
  // Verbatim: the greedy line has no final period, the polite line has one.
  ASSERT_TRUE(std::regex_match(got[0], greedy,
                               std::regex("Greedy worker was able to execute ([0-9]+) work loops")))
      << r.out;
  ASSERT_TRUE(std::regex_match(
      got[1], polite, std::regex("Polite worker was able to execute ([0-9]+) work loops\\.")))
      << r.out;
  long n = std::stol(greedy[1]), m = std::stol(polite[1]);
  EXPECT_GT(n, 0);
  EXPECT_GT(m, 0);
  // Greedy > polite is the usual outcome but depends on the mutex's fairness: only shown.
  std::cout << "E07: greedy " << n << ", polite " << m << " work loops in 100ms\n";
  // Both loops run for `runtime`; the last unit of work may finish a little later.
  EXPECT_GE(elapsed, 0.100 - 0.001) << r.out;
  EXPECT_LE(elapsed, 0.100 + 1.0) << r.out;
}

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

TEST(Tour, E15_WaitGroupTwoSleepers) {
  ProcessResult r = tour("E15");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::vector<std::string> got = lines(r.out);
  ASSERT_EQ(got.size(), 3u) << r.out;
  EXPECT_EQ(multiset_of({got.begin(), got.begin() + 2}),
            (std::multiset<std::string>{"1st goroutine sleeping...", "2nd goroutine sleeping..."}))
      << r.out;
  EXPECT_EQ(got[2], "All goroutines complete.");
}

TEST(Tour, E16_WaitGroupGreeters) {
  ProcessResult r = tour("E16");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(multiset_of(lines(r.out)),
            (std::multiset<std::string>{"Hello from 1!", "Hello from 2!", "Hello from 3!",
                                        "Hello from 4!", "Hello from 5!"}))
      << r.out;
}

TEST(Tour, E17_MutexGuardsTheCounter) {
  ProcessResult r = tour("E17");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::vector<std::string> got = lines(r.out);
  ASSERT_EQ(got.size(), 13u) << r.out;
  EXPECT_EQ(got.back(), "Arithmetic complete.");
  // Replayed from 0, each line is one step from the previous value: the prints are
  // inside the critical section.
  int value = 0, increments = 0, decrements = 0;
  const std::regex step("(Incrementing|Decrementing): (-?[0-9]+)");
  for (std::size_t i = 0; i + 1 < got.size(); i++) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(got[i], m, step)) << got[i];
    bool inc = m[1] == "Incrementing";
    (inc ? increments : decrements)++;
    value += inc ? 1 : -1;
    EXPECT_EQ(std::stoi(m[2]), value) << r.out;
  }
  EXPECT_EQ(increments, 6);
  EXPECT_EQ(decrements, 6);
  EXPECT_EQ(value, 0);
}

TEST(Tour, E18_RWMutexVsMutexTable) {
  ProcessResult r = tour("E18", {"--rows", "12"});  // up to 2^11 readers
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::vector<std::string> got = lines(r.out);
  ASSERT_EQ(got.size(), 13u) << r.out;
  // tabwriter: each column as wide as its widest cell plus 2 spaces (the tutorial's
  // header typo kept).
  EXPECT_TRUE(matches(got[0], "^Readers  RWMutext +Mutex$")) << got[0];
  const std::regex row("([0-9]+)( +)([^ ]+)( +)([^ ]+)");
  std::size_t rw_column = got[0].find("RWMutext"), mutex_column = got[0].rfind("Mutex");
  for (int i = 0; i < 12; i++) {
    const std::string& line = got[static_cast<std::size_t>(i) + 1];
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, row)) << line;
    EXPECT_EQ(std::stol(m[1]), 1L << i) << line;
    EXPECT_EQ(static_cast<std::size_t>(m.position(3)), rw_column) << line;
    // Column positions count runes: "µs" is one byte longer than it looks.
    std::string before = line.substr(0, static_cast<std::size_t>(m.position(5)));
    std::size_t runes = 0;
    for (unsigned char ch : before) runes += (ch & 0xC0) != 0x80;
    EXPECT_EQ(runes, mutex_column) << line;
    EXPECT_GT(go_duration_seconds(m[3]), 0) << line;
    EXPECT_GT(go_duration_seconds(m[5]), 0) << line;
  }
}

TEST(Tour, E19_CondSemantics) {
  expect_output(tour("E19"),
                "Signal, three times, wakes the waiters in the order they waited: 1 2 3\n"
                "Broadcast, once, wakes all 5 waiters\n"
                "Signal with no waiter does nothing: a later waiter still waits 50ms after: "
                "true; the next Signal wakes it\n"
                "Wait returns with L locked: true (unlocked after the waiter's Unlock: true)\n"
                "Wait unlocks L while it waits: a writer locked the RWMutex under a waiting "
                "reader; Cond(rw.RLocker()) works\n");
}

TEST(Tour, E20_WaitInALoop) {
  expect_output(tour("E20"),
                "2 consumers wait for an item\n"
                "1 item added, Broadcast: 2 returns from Wait, 1 item taken, 1 Wait again\n"
                "50ms later: items taken 1, returns from Wait 2 (the other consumer still "
                "waits)\n"
                "1 more item added, Broadcast: items taken 2, both consumers done\n");
}

TEST(Tour, E21_CondSignalBoundedQueue) {
  ProcessResult r = tour("E21", {"--scale", "100", "--elapsed"});  // removal after 10ms (1s)
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::string out;
  double elapsed = take_elapsed(r.out, &out);
  std::vector<std::string> got = lines(out);
  ASSERT_EQ(got.size(), 20u) << r.out;
  EXPECT_EQ(got[0], "Adding to queue");
  EXPECT_EQ(got[1], "Adding to queue");
  int added = 0, removed = 0;
  for (const std::string& line : got) {
    if (line == "Adding to queue") {
      added++;
      // Only a removal makes room for the items after the 8th.
      if (added == 10) {
        EXPECT_GE(removed, 8) << r.out;
      }
    } else {
      ASSERT_EQ(line, "Removed from queue");
      removed++;
    }
    EXPECT_GE(added - removed, 0) << r.out;  // every prefix
    EXPECT_LE(added - removed, 2) << r.out;
  }
  EXPECT_EQ(added, 10);
  EXPECT_EQ(removed, 10);  // the port waits for the removers
  // Items 9-10 are added at about 4 delays, and removed one delay later.
  EXPECT_GE(elapsed, 0.050 - 0.001) << r.out;
  EXPECT_LE(elapsed, 0.050 + 0.5) << r.out;
}

TEST(Tour, E22_BroadcastRunsEveryHandler) {
  const std::multiset<std::string> handlers{"Maximizing window.", "Displaying annoying dialog box!",
                                            "Mouse clicked."};
  ProcessResult r = tour("E22", {}, {}, 10);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(multiset_of(lines(r.out)), handlers) << r.out;
  EXPECT_LT(r.seconds,
            10.0);  // the catalog's "completes within a timeout" (sanitizer start-up included)
  // 1000 clicks of fresh buttons, in one process: no wake-up is ever lost (the tutorial's
  // race would hang a round), and each round prints its three lines before the next.
  r = tour("E22", {"--repeat", "1000"}, {}, 30);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> got = lines(r.out);
  ASSERT_EQ(got.size(), 3000u);
  for (std::size_t i = 0; i < got.size(); i += 3) {
    auto round = got.begin() + static_cast<std::ptrdiff_t>(i);
    ASSERT_EQ(multiset_of({round, round + 3}), handlers) << "round " << i / 3;
  }
}

TEST(Tour, E23_OnceCountIsOne) {
  for (int run = 0; run < 20; run++) expect_output(tour("E23"), "Count is 1\n");
}

TEST(Tour, E24_OnceCountsCallsOfDo) {
  expect_output(tour("E24"), "Count: 1\n");
}

TEST(Tour, E25_RecursiveOnceDeadlocks) {
  ProcessResult r = tour("E25", {}, {"GOTRACEBACK="}, 30);
  expect_deadlock(r, "sync.Mutex.Lock", 1);
  // It stops inside the inner onceA.Do: the outer one never returns.
  EXPECT_EQ(r.out,
            "main: onceA.Do(initA)\n"
            "initA: onceB.Do(initB)\n"
            "initB: onceA.Do(initA)\n");
}

TEST(Tour, E26_PoolSemantics) {
  expect_output(tour("E26"),
                "Get on an empty Pool without New: nil: true\n"
                "Get on an empty Pool with New: New called 1 time(s), got new instance\n"
                "Put(x) then Get() on one goroutine: got x back: true; the pool is empty again: "
                "true\n"
                "100 goroutines, 100000 Get/Put in all: items held by two goroutines at once: 0; "
                "far fewer items created than Gets: true\n");
}

TEST(Tour, E27_PoolNewOnEmpty) {
  expect_output(tour("E27"), "Creating new instance.\n");
}

TEST(Tour, E28_PoolReusesCalculators) {
#if defined(GOCXX_TSAN)
  // ThreadSanitizer counts every goroutine as a thread, and allows 8128 at once.
  const long workers = 2048;
#else
  const long workers = 65536;  // 1<<16 (the program's default: 1<<20)
#endif
  ProcessResult r = tour("E28", {"--workers", std::to_string(workers)});
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(r.out, m, std::regex("([0-9]+) calculators were created\\.")))
      << r.out;
  long n = std::stol(m[1]);
  EXPECT_GE(n, 4);  // the four seeded
  // Far fewer than the workers: a buffer is held only between a Get and its Put.
  EXPECT_LE(n, workers / 16) << r.out;
  std::cout << "E28: " << n << " calculators for " << workers << " workers\n";
}

TEST(Tour, E29_WarmPoolAnswersQuickly) {
  // Connecting to the service takes 10ms (1s); 10 are made before the daemon listens.
  ProcessResult r = tour("E29", {"--scale", "100", "--requests", "20"});
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::vector<std::string> got = lines(r.out);
  ASSERT_EQ(got.size(), 23u) << r.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_match(
      got[0], m,
      std::regex("daemon started after (.+) \\(connect time 10ms, 10 connections warmed\\)")))
      << got[0];
  EXPECT_GE(go_duration_seconds(m[1]), 10 * 0.010 - 0.001) << got[0];  // sequential warm-up
  std::vector<double> times;
  for (int i = 1; i <= 20; i++) {
    const std::string& line = got[static_cast<std::size_t>(i)];
    ASSERT_TRUE(std::regex_match(
        line, m, std::regex("request " + std::to_string(i) + ": \"\\\\n\" in (.+)")))
        << line;  // each response is exactly "\n"
    double s = go_duration_seconds(m[1]);
    EXPECT_GT(s, 0) << line;
    times.push_back(s);
  }
  EXPECT_TRUE(matches(got[21], "^BenchmarkNetworkRequest\t20\t[0-9]+ ns/op$")) << got[21];
  // Every request was served from the pool: no connect after the warm-up ...
  EXPECT_EQ(got[22],
            "connectToService calls: 10 before the daemon listened, 0 during the requests");
  // ... so requests take well under the connect time (typically 0.1ms; the median,
  // as a loaded machine may delay a few).
  std::sort(times.begin(), times.end());
  EXPECT_LT(times[times.size() / 2], 0.010 / 4) << r.out;
}

TEST(Tour, E29_ConnectPerRequestIsSlow) {
  ProcessResult r = tour("E29", {"--scale", "100", "--requests", "5", "--per-request-connect"});
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::vector<std::string> got = lines(r.out);
  ASSERT_EQ(got.size(), 8u) << r.out;
  EXPECT_TRUE(matches(got[0],
                      "^daemon started after .+ \\(connect time 10ms, no pool: a connect "
                      "per request\\)$"))
      << got[0];
  for (int i = 1; i <= 5; i++) {
    const std::string& line = got[static_cast<std::size_t>(i)];
    std::smatch m;
    ASSERT_TRUE(std::regex_match(
        line, m, std::regex("request " + std::to_string(i) + ": \"\\\\n\" in (.+)")))
        << line;
    EXPECT_GE(go_duration_seconds(m[1]), 0.010 - 0.001) << line;  // a connect each
  }
  EXPECT_TRUE(matches(got[6], "^BenchmarkNetworkRequest\t5\t[0-9]+ ns/op$")) << got[6];
  EXPECT_EQ(got[7], "connectToService calls: 0 before the daemon listened, 5 during the requests");
}

TEST(Tour, E30_ChannelDirections) {
  // The direction rules themselves are static_asserts in the program.
  expect_output(tour("E30"), "sent through chan<-, received through <-chan\n");
}

TEST(Tour, E31_ChannelHello) {
  expect_output(tour("E31"), "Hello channels!\n");
}

TEST(Tour, E32_AChannelNobodySendsOnDeadlocks) {
  ProcessResult r = tour("E32", {}, {"GOTRACEBACK="}, 30);
  expect_deadlock(r, "chan receive", 1);
  EXPECT_EQ(r.out, "");  // the Printf never runs
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

TEST(Tour, E38_NilChannelReceiveAndSendAloneInMainDeadlock) {
  ProcessResult recv = tour("E38", {"recv-nil"}, {"GOTRACEBACK="}, 30);
  expect_deadlock(recv, "chan receive \\(nil chan\\)", 1);
  EXPECT_EQ(recv.out, "");
  ProcessResult send = tour("E38", {"send-nil"}, {"GOTRACEBACK="}, 30);
  expect_deadlock(send, "chan send \\(nil chan\\)", 1);
  EXPECT_EQ(send.out, "");
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

TEST(Tour, E46_EmptySelectAloneInMainDeadlocks) {
  ProcessResult r = tour("E46", {"main"}, {"GOTRACEBACK="}, 30);
  expect_deadlock(r, "select \\(no cases\\)", 1);
  EXPECT_EQ(r.out, "");
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
  // The tutorial's worker never closes its channels: after done (500ms at /20) the
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
  // The tutorial's call, doWork(done) with no numbers: both channels close at once.
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

namespace {

// A --steady log line: the time since the program started (seconds) and the message.
struct LogLine {
  double at;
  std::string message;
};

std::vector<LogLine> steady_log(const std::string& out) {
  std::vector<LogLine> got;
  for (const std::string& line : lines(out)) {
    std::size_t space = line.find(' ');
    double at = space == std::string::npos ? -1 : go_duration_seconds(line.substr(0, space));
    EXPECT_GE(at, 0) << "not a steady log line: " << line;
    got.push_back({at, space == std::string::npos ? line : line.substr(space + 1)});
  }
  return got;
}

// The twenty calls of E78's main: ten of each, then Done. Returns the calls'
// times, sorted; the ReadFile ones in *reads.
std::vector<double> twenty_calls(const ProcessResult& r, std::vector<double>* reads = nullptr) {
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::vector<LogLine> log = steady_log(r.out);
  std::vector<double> times;
  int read_file = 0, resolve = 0;
  for (std::size_t i = 0; i + 1 < log.size(); ++i) {
    if (log[i].message == "ReadFile") {
      read_file++;
      if (reads != nullptr) reads->push_back(log[i].at);
    } else if (log[i].message == "ResolveAddress") {
      resolve++;
    } else {
      ADD_FAILURE() << "unexpected line: " << log[i].message;
    }
    times.push_back(log[i].at);
  }
  EXPECT_EQ(read_file, 10) << r.out;
  EXPECT_EQ(resolve, 10) << r.out;
  EXPECT_FALSE(log.empty());
  if (!log.empty()) {
    EXPECT_EQ(log.back().message, "Done.") << r.out;
  }
  std::sort(times.begin(), times.end());
  if (reads != nullptr) std::sort(reads->begin(), reads->end());
  return times;
}

}  // namespace

TEST(Tour, E77_TokenBucketSemantics) {
  // Depth 5, 0.5 tokens a second, scaled tenfold: the times printed are the tutorial's.
  ProcessResult r = tour("E77");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::vector<std::string> got = lines(r.out);
  ASSERT_EQ(got.size(), 10u) << r.out;
  const std::regex served("request ([1-6]) (served|issued) at (.+)");
  std::vector<double> at;
  for (std::size_t i = 0; i < 7; ++i) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(got[i], m, served)) << got[i];
    at.push_back(go_duration_seconds(m[3]));
    ASSERT_GE(at.back(), 0) << got[i];
  }
  // The five at t = 0 pass at once (in the tutorial's time: within half a second).
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(got[i].rfind("request " + std::to_string(i + 1) + " served at ", 0), 0u);
    EXPECT_LE(at[i], 0.5) << got[i];
  }
  EXPECT_EQ(got[5].rfind("request 6 issued at ", 0), 0u);
  EXPECT_GE(at[5], 1.0 - 0.01);
  EXPECT_EQ(got[6].rfind("request 6 served at ", 0), 0u);
  expect_about(at[6], 2.0, r.out);  // the next token, a second after the issue
  EXPECT_EQ(got[7], "every(500ms) = 2 events per second");
  EXPECT_EQ(got[8], "per(10, time.Minute) = 0.166667 events per second (one every 6s)");
  EXPECT_EQ(got[9], "wait_n(6): rate: Wait(n=6) exceeds limiter's burst 5");
}

TEST(Tour, E78_OneCallASecond) {
  // 100 calls a second: the k-th of the twenty comes no sooner than k * 10 ms.
  std::vector<double> t = twenty_calls(tour("E78", {"--scale", "100", "--steady"}));
  ASSERT_EQ(t.size(), 20u);
  for (std::size_t k = 0; k < t.size(); ++k) EXPECT_GE(t[k], 0.010 * k - 0.001) << k;
  expect_about(t.back(), 0.190, "the last call");
}

TEST(Tour, E78_PrintsLogTimes) {
  ProcessResult r = tour("E78");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> got = lines(r.out);
  ASSERT_EQ(got.size(), 21u) << r.out;
  for (const std::string& line : got)
    EXPECT_TRUE(matches(line, "^[0-9]{2}:[0-9]{2}:[0-9]{2} (ReadFile|ResolveAddress|Done\\.)$"))
        << line;
  EXPECT_TRUE(matches(got.back(), " Done\\.$"));
}

TEST(Tour, E79_TwoASecondButTenAMinute) {
  // Scaled a hundredfold: 2 a second is one every 5 ms, 10 a minute one every 60 ms.
  std::vector<double> t = twenty_calls(tour("E79", {"--scale", "100", "--steady"}));
  ASSERT_EQ(t.size(), 20u);
  for (std::size_t k = 0; k < 10; ++k) EXPECT_GE(t[k], 0.005 * k - 0.001) << k;
  // The minute bucket's ten tokens gone, one call every 6 s (60 ms) from the first.
  for (std::size_t k = 10; k < 20; ++k) EXPECT_GE(t[k], 0.060 * (k - 9) - 0.001) << k;
  expect_about(t.back(), 0.600, "the last call");
  // The first ten went at the per-second rate, long before the 11th.
  EXPECT_LT(t[9], t[10]);
  EXPECT_LE(t[9], 0.045 + 0.5);
}

TEST(Tour, E80_NestedLimitersPerResource) {
  // Scaled a hundredfold: api 2 a second (depth 2) and 10 a minute; disk 1 a second;
  // network 3 a second (depth 3).
  std::vector<double> reads;
  std::vector<double> t = twenty_calls(tour("E80", {"--scale", "100", "--steady"}), &reads);
  ASSERT_EQ(t.size(), 20u);
  ASSERT_EQ(reads.size(), 10u);
  // At most ten calls in the first 6 s (60 ms): the minute bucket's depth.
  for (std::size_t k = 10; k < 20; ++k) EXPECT_GE(t[k], 0.060 * (k - 9) - 0.001) << k;
  // Reads wait on the disk's bucket, one a second (10 ms) at most.
  for (std::size_t j = 0; j < reads.size(); ++j) EXPECT_GE(reads[j], 0.010 * j - 0.001) << j;
  // In any window of T at most 2 + 2T calls (the api's per-second bucket): the k-th
  // call no sooner than (k - 1) / 2 seconds (scaled: 5 ms).
  for (std::size_t k = 2; k < 20; ++k) EXPECT_GE(t[k], 0.005 * (k - 1) - 0.001) << k;
  expect_about(t.back(), 0.600, "the last call");  // the 10-a-minute limit dominates
}

TEST(Tour, E49_AdHocConfinement) {
  expect_output(tour("E49"), "0\n0\n0\n0\n");
}

TEST(Tour, E50_LexicalConfinementChanOwner) {
  expect_output(tour("E50"),
                "Received: 0\nReceived: 1\nReceived: 2\nReceived: 3\nReceived: 4\nReceived: 5\n"
                "Done receiving!\n");
}

TEST(Tour, E51_EachGoroutineItsOwnHalf) {
  ProcessResult r = tour("E51");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(multiset_of(lines(r.out)), multiset_of({"gol", "ang"}));
}

TEST(Tour, E52_ForSelectSendsUntilDone) {
  expect_output(tour("E52"), "a\nb\nc\nsent 0 with done closed\n");
}

TEST(Tour, E53_ForSelectPollsDoneBetweenWorkUnits) {
  expect_output(tour("E53"),
                "work after select: worked until done\nwork in default: worked until done\n");
}

TEST(Tour, E54_ALeakedGoroutineNeverExits) {
  expect_output(tour("E54"), "Done.\n");  // never "doWork exited."
}

TEST(Tour, E55_CancelledWithDone) {
  ProcessResult r = tour("E55", {"--elapsed"});
  std::string out;
  double elapsed = take_elapsed(r.out, &out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(out, "Canceling doWork goroutine...\ndoWork exited.\nDone.\n");
  expect_about(elapsed, 0.010, r.out);
}

TEST(Tour, E56_TheProducerLeaks) {
  ProcessResult r = tour("E56");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> got = lines(r.out);
  ASSERT_EQ(got.size(), 4u) << r.out;
  EXPECT_EQ(got[0], "3 random ints:");
  for (int i = 1; i <= 3; ++i) {
    EXPECT_TRUE(std::regex_match(got[i], std::regex(std::to_string(i) + ": [0-9]+"))) << got[i];
  }
}

TEST(Tour, E57_TheProducerIsStopped) {
  ProcessResult r = tour("E57");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> got = lines(r.out);
  ASSERT_EQ(got.size(), 5u) << r.out;
  for (int i = 1; i <= 3; ++i) {
    EXPECT_TRUE(std::regex_match(got[i], std::regex(std::to_string(i) + ": [0-9]+"))) << got[i];
  }
  EXPECT_EQ(got[4], "newRandStream closure exited.");
}

TEST(Tour, E58_OrChannelClosesWithTheFirst) {
  // Scaled a hundredfold: the first signal after 10 ms, the next after 600 ms.
  ProcessResult r = tour("E58");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_match(r.out, m, std::regex("done after (.+)\n"))) << r.out;
  double after = go_duration_seconds(m[1]);
  EXPECT_GE(after, 0.010 - 0.001);
  EXPECT_LT(after, 0.300);
}

TEST(Tour, E59_TheWorkerSwallowsTheError) {
  ProcessResult r = tour("E59");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(multiset_of(lines(r.out)),
            multiset_of({"Response: 200 OK",
                         "Get \"https://badhost\": dial tcp: lookup badhost: no such host"}));
}

TEST(Tour, E60_ErrorsTravelWithResults) {
  expect_output(tour("E60"),
                "Response: 200 OK\n"
                "error: Get \"https://badhost\": dial tcp: lookup badhost: no such host\n");
}

TEST(Tour, E61_Pipeline) {
  expect_output(tour("E61"), "6\n10\n14\n18\n");
}

TEST(Tour, E62_TakeOfRepeat) {
  expect_output(tour("E62"), "1 1 1 1 1 1 1 1 1 1 ");
}

TEST(Tour, E63_TakeOfRepeatFn) {
  ProcessResult r = tour("E63");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> got = lines(r.out);
  ASSERT_EQ(got.size(), 10u) << r.out;
  for (const std::string& line : got) EXPECT_TRUE(matches(line, "^[0-9]+$")) << line;
}

TEST(Tour, E64_ToString) {
  expect_output(tour("E64"), "message: Iam.Iam.I...");
}

namespace {

// E65 and E66: "Primes:", ten primes below the bound, then the time it took.
void expect_ten_primes(const ProcessResult& r, long bound) {
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> got = lines(r.out);
  ASSERT_EQ(got.size(), 12u) << r.out;
  EXPECT_EQ(got[0], "Primes:");
  for (std::size_t i = 1; i <= 10; ++i) {
    ASSERT_TRUE(matches(got[i], "^\t[0-9]+$")) << got[i];
    long p = std::stol(got[i].substr(1));
    EXPECT_LT(p, bound);
    EXPECT_GE(p, 2);
    for (long d = 2; d * d <= p; ++d) EXPECT_NE(p % d, 0) << p << " is not prime";
  }
  std::smatch m;
  ASSERT_TRUE(std::regex_match(got[11], m, std::regex("Search took: (.+)"))) << got[11];
  EXPECT_GT(go_duration_seconds(m[1]), 0);
}

}  // namespace

TEST(Tour, E65_PrimesSequential) {
  expect_ten_primes(tour("E65", {"--bound", "5000000"}), 5'000'000);
}

TEST(Tour, E66_PrimesFannedOut) {
  expect_ten_primes(tour("E66", {"--bound", "5000000", "--finders", "3"}), 5'000'000);
}

TEST(Tour, E67_OrDone) {
  expect_output(tour("E67"), "1 2 3 4 5 \ndone: 0 values\ndone: loop ended\n");
}

TEST(Tour, E68_Tee) {
  expect_output(tour("E68"),
                "out1: 1, out2: 1\nout1: 2, out2: 2\nout1: 1, out2: 1\nout1: 2, out2: 2\n");
}

TEST(Tour, E69_Bridge) {
  expect_output(tour("E69"), "0 1 2 3 4 5 6 7 8 9 ");
}

TEST(Tour, E70_AQueueDecouplesTheStages) {
  // 50 ms a request, so that scheduling noise stays well inside half a unit.
  ProcessResult r = tour("E70", {"--unit-ms", "50"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> got = lines(r.out);
  ASSERT_EQ(got.size(), 2u) << r.out;
  const std::regex line(
      "queue ([0-9]+): all accepted after ([0-9]+) units, all processed after ([0-9]+) units");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(got[0], m, line)) << got[0];
  EXPECT_EQ(m[1], "0");
  EXPECT_EQ(std::stoi(m[2]), 9);  // each hand-over waited for the slow stage
  EXPECT_GE(std::stoi(m[3]), 10);
  EXPECT_LE(std::stoi(m[3]), 11);
  ASSERT_TRUE(std::regex_match(got[1], m, line)) << got[1];
  EXPECT_EQ(m[1], "10");
  EXPECT_EQ(std::stoi(m[2]), 0);   // all queued at once
  EXPECT_GE(std::stoi(m[3]), 10);  // and no sooner done
  EXPECT_LE(std::stoi(m[3]), 11);
}

TEST(Tour, E81_StewardRestartsAWardThatNeverBeats) {
  // Scaled tenfold: timeout 400 ms, halting at 900 ms, so the second restart (at
  // 800 ms) comes 100 ms before the halt even in a sanitizer build on a busy
  // machine (a hundredfold left 10 ms, too little under ThreadSanitizer).
  ProcessResult r = tour("E81", {"--steady", "--scale", "10"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::vector<LogLine> log = steady_log(r.out);
  int hello = 0, restarting = 0, halting = 0;
  bool done_seen = false;
  std::size_t halting_main = 0;
  for (std::size_t i = 0; i < log.size(); ++i) {
    const std::string& m = log[i].message;
    if (done_seen) {  // the last ward may still say it halts while main returns
      EXPECT_EQ(m, "ward: I am halting.");
      continue;
    }
    if (m == "ward: Hello, I'm irresponsible!") {
      hello++;
      EXPECT_EQ(hello, restarting + 1) << "a restart precedes each later Hello\n" << r.out;
    } else if (m == "steward: ward unhealthy; restarting") {
      restarting++;
      EXPECT_GE(log[i].at, 0.400 * restarting - 0.001);  // one timeout after the last start
    } else if (m == "ward: I am halting.") {
      halting++;
    } else if (m == "main: halting steward and ward.") {
      halting_main = i;
      EXPECT_GE(log[i].at, 0.900 - 0.001);
    } else if (m == "Done") {
      done_seen = true;
    } else {
      ADD_FAILURE() << "unexpected line: " << m;
    }
  }
  EXPECT_TRUE(done_seen) << r.out;
  EXPECT_GT(halting_main, 0u) << r.out;
  EXPECT_EQ(hello, 3) << r.out;
  EXPECT_EQ(restarting, 2) << r.out;
  EXPECT_GE(halting, 2) << r.out;
}

namespace {

std::vector<int> received_values(const std::string& out, int* negatives, int* restarts) {
  std::vector<int> values;
  for (const std::string& line : lines(out)) {
    std::smatch m;
    if (std::regex_match(line, m, std::regex("Received: (-?[0-9]+)"))) {
      values.push_back(std::stoi(m[1]));
    } else if (matches(line, "negative value: -1$")) {
      ++*negatives;
    } else if (matches(line, "steward: ward unhealthy; restarting$")) {
      ++*restarts;
    } else {
      ADD_FAILURE() << "unexpected line: " << line;
    }
  }
  return values;
}

}  // namespace

TEST(Tour, E82_StewardKeepsTheValuesComing) {
  // A comfortable timeout: the received values are exactly the first two of each ward.
  ProcessResult r = tour("E82", {"--timeout-ms", "50", "--steady"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  int negatives = 0, restarts = 0;
  EXPECT_EQ(received_values(r.out, &negatives, &restarts), (std::vector<int>{1, 2, 1, 2, 1, 2}))
      << r.out;
  EXPECT_GE(negatives, 2);
  EXPECT_GE(restarts, 2);
}

TEST(Tour, E82_WithTheTutorials1msTimeout) {
  // A ward waiting a millisecond for the scheduler may be restarted early: only the
  // weaker invariant holds. Six values, each 1 or 2, every 2 right after a 1.
  ProcessResult r = tour("E82", {"--steady"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  int negatives = 0, restarts = 0;
  std::vector<int> values = received_values(r.out, &negatives, &restarts);
  ASSERT_EQ(values.size(), 6u) << r.out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    EXPECT_TRUE(values[i] == 1 || values[i] == 2) << r.out;
    if (values[i] == 2) {
      EXPECT_GT(i, 0u);
      if (i > 0) {
        EXPECT_EQ(values[i - 1], 1) << r.out;
      }
    }
  }
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

// E88: the fixed account is clean; the tutorial's unsynchronised one is a data
// race, which ThreadSanitizer (the tsan preset) reports with both accesses in
// Withdraw/Deposit, and exits 66. Without TSan only the fix's result is checked.
TEST(Tour, E88_TheRaceDetectorReportsTheRacyAccountAndNotTheFix) {
  ProcessResult fixed = tour("E88");
  expect_output(fixed, "with a Mutex: balance 10 after 2000 rounds each\n");
#if defined(GOCXX_TSAN)
  // Long enough, on two processors, that the goroutines overlap on two threads.
  ProcessResult racy = tour("E88", {"--racy", "--rounds", "100000"}, {"GOMAXPROCS=2"});
  EXPECT_EQ(racy.exit_code, 66) << racy.err;
  EXPECT_NE(racy.err.find("WARNING: ThreadSanitizer: data race"), std::string::npos) << racy.err;
  EXPECT_TRUE(matches(racy.err, "#0 [^\n]*(Withdraw|Deposit)")) << racy.err;
#else
  GTEST_SKIP() << "the race report needs the tsan preset";
#endif
}

// E89: four of the tutorial's five profiles (no heap in C++), and the goroutine
// count following 5 waiting goroutines up and back down.
TEST(Tour, E89_PredefinedProfilesAndTheGoroutineCount) {
  ProcessResult r = tour("E89");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::vector<std::string> l = lines(r.out);
  ASSERT_EQ(l.size(), 7u) << r.out;
  EXPECT_TRUE(matches(l[0], "^goroutine +found, count [0-9]+$")) << l[0];
  EXPECT_EQ(l[1], "heap         not provided");
  EXPECT_TRUE(matches(l[2], "^threadcreate found, count [1-9][0-9]*$")) << l[2];
  EXPECT_EQ(l[3], "block        found, count 0");
  EXPECT_EQ(l[4], "mutex        found, count 0");
  EXPECT_EQ(l[5], "nope         not provided");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(
      l[6], m,
      std::regex("goroutines: ([0-9]+) before, ([0-9]+) with 5 waiting, ([0-9]+) after they exit")))
      << l[6];
  EXPECT_EQ(std::stoi(m[2]), std::stoi(m[1]) + 5);
  EXPECT_EQ(m[3], m[1]);
}

// E90: at least 3 log lines, counts non-decreasing by 1 to 3 a line, the last at
// most 10 above the first line's baseline (main and the monitor) plus one.
TEST(Tour, E90_GoroutineCountGrowsAsGoroutinesBlock) {
  ProcessResult r = tour("E90");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::vector<int> counts;
  for (const std::string& line : lines(r.out)) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(
        line, m, std::regex("[0-9]{2}:[0-9]{2}:[0-9]{2} goroutine count: ([0-9]+)")))
        << line;
    counts.push_back(std::stoi(m[1]));
  }
  ASSERT_GE(counts.size(), 3u) << r.out;
  for (std::size_t i = 1; i < counts.size(); ++i) {
    EXPECT_GE(counts[i] - counts[i - 1], 1) << r.out;
    EXPECT_LE(counts[i] - counts[i - 1], 3) << r.out;
  }
  EXPECT_LE(counts.back(), 2 + 10) << r.out;  // main, the monitor and the 10 blocked
}

// E91: get-or-create returns one profile; new_profile on a taken name panics;
// add, remove and count track the entries.
TEST(Tour, E91_CustomProfileGetOrCreate) {
  expect_output(tour("E91"),
                "same profile both times: true\n"
                "lookup finds it: true\n"
                "new_profile again: panic: pprof: NewProfile name already in use: "
                "my_package_namespace\n"
                "count after two adds: 2\n"
                "count after a remove: 1\n"
                "my_package_namespace profile: total 1\n"
                "count at the end: 0\n");
}
