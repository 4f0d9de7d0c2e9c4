// The seed tour's example programs (examples/tour), each run as a child process and
// checked against what shared/SEED-EXAMPLES.md says its test must check.
#include <gtest/gtest.h>

#include <algorithm>
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
