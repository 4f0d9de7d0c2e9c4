// The goroutineleak profile, on the programs of leak_scenarios.cpp, each run as a
// child process: which goroutines it reports (and which it must not), in the
// debug=1 and debug=2 texts, and read back from the proto by `go tool pprof`.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <regex>
#include <string>
#include <vector>

#include "subprocess.hpp"

using gocxx::testing::ProcessResult;
using gocxx::testing::run_process;

namespace {

struct LeakReport {
  int exit_code = -1;
  std::vector<int> totals;  // one per profile the scenario wrote
  std::string text;         // the debug=1 texts
  std::string dump;         // the debug=2 texts
  std::string err;
};

LeakReport scenario(const std::string& name, const std::string& proto = "") {
  std::vector<std::string> argv = {GOCXX_LEAK_SCENARIOS, name};
  if (!proto.empty()) argv.push_back(proto);
  ProcessResult r = run_process(argv, {}, 120);
  LeakReport out;
  out.exit_code = r.exit_code;
  out.err = r.err;
  // Each profile: debug=1 text, "---", debug=2 text; profiles separated by "===".
  std::size_t pos = 0;
  while (pos < r.out.size()) {
    std::size_t end = r.out.find("===\n", pos);
    std::string one = r.out.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? r.out.size() : end + 4;
    std::size_t sep = one.find("---\n");
    std::string text = one.substr(0, sep);
    std::smatch m;
    if (std::regex_search(text, m, std::regex("^goroutineleak profile: total ([0-9]+)\n"))) {
      out.totals.push_back(std::stoi(m[1]));
    }
    out.text += text;
    if (sep != std::string::npos) out.dump += one.substr(sep + 4);
  }
  return out;
}

int count(const std::string& text, const std::string& pattern) {
  std::regex re(pattern);
  return static_cast<int>(
      std::distance(std::sregex_iterator(text.begin(), text.end(), re), std::sregex_iterator()));
}

}  // namespace

// Go's release-note example: workers send to an unbuffered channel that only the
// aggregator held, and it returned at the first failure.
TEST(GoroutineLeak, WorkersSendingToAnAbandonedChannelAreReported) {
  LeakReport r = scenario("release-note");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(r.totals, std::vector<int>{4}) << r.text;
  EXPECT_EQ(count(r.text, "\n4 @ [0-9a-fx ]+\n#\t0x[0-9a-f]+\t[^\n]*send_result_nobody_receives"),
            1)
      << r.text;
  // file:line where the build has debug information.
  std::string where = r.dump.find("leak_scenarios.cpp:") != std::string::npos
                          ? "\n\t[^\n]*leak_scenarios.cpp:[0-9]+"
                          : "\n\t";
  EXPECT_EQ(count(r.dump,
                  "goroutine [0-9]+ \\[chan send \\(leaked\\)\\]:\n[^\n]*"
                  "send_result_nobody_receives[^\n]*" +
                      where),
            4)
      << r.dump;
  EXPECT_EQ(count(r.dump, "created by [^\n]* in goroutine 1\n"), 4) << r.dump;
}

TEST(GoroutineLeak, GoroutinesHoldingEachOthersChannelsLeakTogether) {
  LeakReport r = scenario("cycle");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.totals, std::vector<int>{2}) << r.text;
  EXPECT_EQ(count(r.dump, "\\[chan receive \\(leaked\\)\\]:\n[^\n]*cycle_member"), 2) << r.dump;
}

// A waits on a channel that only B holds; B waits on one that main holds: neither
// leaks until main lets go, then both do.
TEST(GoroutineLeak, ReachabilityIsTransitive) {
  LeakReport r = scenario("chain");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.totals, (std::vector<int>{0, 2})) << r.text;
}

TEST(GoroutineLeak, NilChannelsAndEmptySelectsCanNeverBeWoken) {
  LeakReport r = scenario("forever");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.totals, std::vector<int>{2}) << r.text;
  EXPECT_EQ(count(r.dump, "\\[chan receive \\(nil chan\\) \\(leaked\\)\\]:\n[^\n]*nil_receive"), 1)
      << r.dump;
  EXPECT_EQ(count(r.dump, "\\[select \\(no cases\\) \\(leaked\\)\\]:\n"), 1) << r.dump;
}

// Nothing is reported for a goroutine that something able to run can still wake:
// a handle held by main, a handle on the heap, a pointer to the goroutine's own
// handle kept by a goroutine blocked on a Mutex, on its stack or behind a heap object (and used:
// the scenario exits 0 only once that goroutine received), a timer that will fire; a wait on a
// Mutex is not traced.
TEST(GoroutineLeak, NoReportWhileSomethingCanStillWakeTheGoroutine) {
  for (const char* name :
       {"held-by-main", "held-in-heap", "pointer-from-blocked", "pointer-in-heap"}) {
    LeakReport r = scenario(name);
    EXPECT_EQ(r.exit_code, 0) << name << "\n" << r.err;
    EXPECT_EQ(r.totals, std::vector<int>{0}) << name << "\n" << r.text;
    EXPECT_EQ(r.dump, "") << name;
  }
  LeakReport r = scenario("timer-and-mutex");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.totals, std::vector<int>{1}) << r.text;  // only the abandoned receive
  EXPECT_EQ(count(r.text, "receive_then_report"), 1) << r.text;
}

// The same answer every time, and for every profile a program writes (a profile's
// own stack walks leave nothing behind that hides the next one's leaks).
TEST(GoroutineLeak, TheReportIsTheSameEveryTime) {
  for (int i = 0; i < 5; ++i) {
    LeakReport r = scenario("chain");
    EXPECT_EQ(r.totals, (std::vector<int>{0, 2})) << "run " << i << "\n" << r.text;
    EXPECT_EQ(count(r.dump, "\\(leaked\\)"), 2) << "run " << i << "\n" << r.dump;
  }
}

TEST(GoroutineLeak, GoToolPprofReadsTheProto) {
  if (std::string(GOCXX_GO_EXECUTABLE).empty())
    GTEST_SKIP() << "no Go toolchain (scripts/install-deps.sh)";
  std::string dir = ::testing::TempDir() + "gocxx_leak_" + std::to_string(::getpid());
  std::string path = dir + ".goroutineleak.pb.gz";
  LeakReport r = scenario("release-note", path);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> env = {"HOME=" + dir, "GOCACHE=" + dir + "/cache",
                                  "PPROF_TMPDIR=" + dir};
  ProcessResult raw = run_process({GOCXX_GO_EXECUTABLE, "tool", "pprof", "-raw", path}, env, 120);
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_NE(raw.out.find("goroutineleak/count"), std::string::npos) << raw.out;
  EXPECT_TRUE(std::regex_search(raw.out, std::regex("\n +4: [0-9 ]+\n"))) << raw.out;
  EXPECT_TRUE(std::regex_search(raw.out, std::regex("send_result_nobody_receives"))) << raw.out;
  ProcessResult top = run_process({GOCXX_GO_EXECUTABLE, "tool", "pprof", "-top", path}, env, 120);
  ASSERT_EQ(top.exit_code, 0) << top.err;
  EXPECT_TRUE(
      std::regex_search(top.out, std::regex("\n +4 +[0-9.]+% .*send_result_nobody_receives")))
      << top.out;
  std::remove(path.c_str());
}
