// Global deadlock detection: every program of deadlock_scenarios.cpp runs as a
// child process. The deadlocked ones must end with Go's report and status 2; the
// ones that only look stuck for a while must finish normally.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <regex>
#include <string>
#include <vector>

#include "subprocess.hpp"

using gocxx::testing::ProcessResult;
using gocxx::testing::run_process;

namespace {

ProcessResult scenario(const std::string& name, std::vector<std::string> env = {},
                       double timeout = 60) {
  env.push_back("GOTRACEBACK=single");
  return run_process({GOCXX_DEADLOCK_SCENARIOS, name}, env, timeout);
}

const char kAsleep[] = "fatal error: all goroutines are asleep - deadlock!\n\n";

void expect_deadlock(const ProcessResult& r, const std::string& name) {
  EXPECT_EQ(r.exit_code, 2) << name << "\n" << r.err;
  EXPECT_EQ(r.err.rfind(kAsleep, 0), 0u) << name << "\n" << r.err;
}

int count(const std::string& text, const std::string& re) {
  std::regex pattern(re);
  auto it = std::sregex_iterator(text.begin(), text.end(), pattern);
  return static_cast<int>(std::distance(it, std::sregex_iterator()));
}

}  // namespace

TEST(Deadlock, EveryKindOfWaitIsReported) {
  for (const char* name :
       {"chan-recv", "mutex-cycle", "waitgroup", "cond", "select-no-cases", "nil-send",
        "after-stopped-timer", "plain-thread", "goexit-main-others-blocked"}) {
    expect_deadlock(scenario(name), name);
  }
}

TEST(Deadlock, TheReportListsEveryGoroutineInIdOrderWithItsWaitReason) {
  ProcessResult r = scenario("chan-recv");
  expect_deadlock(r, "chan-recv");
  EXPECT_TRUE(std::regex_search(r.err, std::regex("\ngoroutine 1 \\[chan receive\\]:\n"))) << r.err;
  EXPECT_EQ(count(r.err, "\ngoroutine [0-9]+ \\[chan receive\\]:\n"), 2) << r.err;
  std::size_t first = r.err.find("goroutine 1 [");
  std::size_t second = r.err.find("goroutine ", first + 1);
  EXPECT_LT(first, second);
  EXPECT_EQ(r.err.back(), '\n');

  ProcessResult m = scenario("mutex-cycle");
  EXPECT_EQ(count(m.err, "\ngoroutine [0-9]+ \\[sync.Mutex.Lock\\]:\n"), 2) << m.err;
  EXPECT_EQ(count(m.err, "\ngoroutine 1 \\[sync.WaitGroup.Wait\\]:\n"), 1) << m.err;
  EXPECT_EQ(count(scenario("select-no-cases").err, "\\[select \\(no cases\\)\\]"), 1);
  EXPECT_EQ(count(scenario("nil-send").err, "\\[chan send \\(nil chan\\)\\]"), 1);
  EXPECT_EQ(count(scenario("cond").err, "\\[sync.Cond.Wait\\]"), 1);
}

TEST(Deadlock, AParkedGoroutinesFramesShowWhereItBlocked) {
  ProcessResult r = scenario("named-function");
  expect_deadlock(r, "named-function");
  EXPECT_EQ(count(r.err, "\\(anonymous namespace\\)::wait_for_a_value_nobody_sends"), 2) << r.err;
  // File:line and inlined frames need debug information (not in Release builds).
  if (r.err.find("deadlock_scenarios.cpp:") == std::string::npos) {
    GTEST_SKIP() << "built without debug information";
  }
  // Both goroutines: the function that blocked, at the line of the receive, and
  // the public channel operation it called (runtime frames hidden).
  const std::string frame =
      "\n\\(anonymous namespace\\)::wait_for_a_value_nobody_sends\\(gocxx::Chan<int>\\)\n"
      "\t[^\n]*deadlock_scenarios.cpp:[0-9]+ \\+0x[0-9a-f]+\n";
  EXPECT_EQ(count(r.err, frame), 2) << r.err;
  EXPECT_EQ(count(r.err, "gocxx::rt::"), 0) << r.err;
  EXPECT_EQ(count(r.err,
                  "created by \\(anonymous namespace\\)::deadlock::\\{lambda\\}::operator\\(\\) "
                  "in goroutine 1\n\t[^\n]*deadlock_scenarios.cpp:[0-9]+\n"),
            1)
      << r.err;
  // GOTRACEBACK=system shows the runtime's frames down to the switch.
  ProcessResult sys =
      run_process({GOCXX_DEADLOCK_SCENARIOS, "named-function"}, {"GOTRACEBACK=system"}, 60);
  EXPECT_GE(count(sys.err, "\ngocxx::rt::park\\("), 2) << sys.err;
}

TEST(Deadlock, MainCallingGoexitEndsWithGosMessage) {
  ProcessResult r = scenario("goexit-main");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.rfind("fatal error: no goroutines (main called runtime.Goexit) - deadlock!\n", 0),
            0u)
      << r.err;
}

TEST(Deadlock, GotracebackNoneKeepsOnlyTheFirstLine) {
  ProcessResult r = run_process({GOCXX_DEADLOCK_SCENARIOS, "chan-recv"}, {"GOTRACEBACK=none"}, 60);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "fatal error: all goroutines are asleep - deadlock!\n");
}

TEST(Deadlock, GotracebackCrashAborts) {
  ProcessResult r = run_process({GOCXX_DEADLOCK_SCENARIOS, "chan-recv"}, {"GOTRACEBACK=crash"}, 60);
  EXPECT_EQ(r.signal, SIGABRT) << r.err;
  EXPECT_EQ(r.err.rfind(kAsleep, 0), 0u) << r.err;
}

TEST(Deadlock, NoFalseAlarmWhileSomethingMayStillWakeAGoroutine) {
  struct Case {
    const char* name;
    const char* out;
  } cases[] = {
      {"timer", "timer fired\n"},
      {"sleeper", "got 7\n"},
      {"context-timeout", "context deadline exceeded\n"},
      {"socket", "read hi\n"},
      {"blocking", "blocking call returned\n"},
      {"thread-sender", "got 3\n"},
      {"thread-in-gocxx-wait", "got 4\n"},
      {"signal", "signal 10\n"},
      {"ticker", "four ticks\n"},
      {"main-returns-with-goroutines-blocked", "main went on\n"},
  };
  for (const Case& c : cases) {
    ProcessResult r = scenario(c.name);
    EXPECT_EQ(r.exit_code, 0) << c.name << "\n" << r.err;
    EXPECT_EQ(r.out, c.out) << c.name;
    EXPECT_EQ(r.err, "") << c.name;
  }
}

TEST(Deadlock, DetectionCanBeTurnedOff) {
  // Detection reports within about 200 ms; these stay deadlocked until killed.
  ProcessResult env = scenario("chan-recv", {"GOCXX_DEADLOCK=0"}, 2.0);
  EXPECT_TRUE(env.timed_out) << env.err;
  ProcessResult api = scenario("off-by-api", {}, 2.0);
  EXPECT_TRUE(api.timed_out) << api.err;
  ProcessResult again = scenario("api-off-then-on");
  EXPECT_EQ(again.out, "1 0\n");
  expect_deadlock(again, "api-off-then-on");
}

namespace {

// One goroutine's block of a report, its names normalised so that Go's and
// gocxx's spellings of the same function compare equal: "main.receiver(0x0?)" and
// "twin::receiver(gocxx::Chan<int>)" are both "receiver";
// "sync.(*Mutex).lockSlow(...)" and "gocxx::sync::Mutex::lock_slow()" are both
// "sync.mutex.lockslow".
struct Block {
  std::string header;
  std::string status;
  std::vector<std::string> functions;  // innermost first
  std::vector<std::string> locations;  // "\t<file>:<line>[ +0x<offset>]"
  std::string creator;                 // "" for goroutine 1
  std::string created_by_line;
};

std::string canonical(std::string fn, bool go) {
  if (!fn.empty() && fn.back() == ')') {  // the argument or parameter list
    int depth = 0;
    for (std::size_t i = fn.size(); i-- > 0;) {
      if (fn[i] == ')') ++depth;
      if (fn[i] == '(' && --depth == 0) {
        fn.resize(i);
        break;
      }
    }
  }
  if (go) {
    if (fn.rfind("main.", 0) == 0) return fn.substr(5);
    std::string out;
    for (std::size_t i = 0; i < fn.size(); ++i) {
      if (fn.compare(i, 2, "(*") == 0) {
        ++i;
        continue;
      }
      if (fn[i] == ')') continue;
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(fn[i])));
    }
    return out;
  }
  std::size_t lambda = fn.find("::{lambda}");
  if (lambda != std::string::npos) fn.resize(lambda);
  if (fn.rfind("twin::", 0) == 0) return fn.substr(6);
  if (fn.rfind("gocxx::", 0) == 0) fn = fn.substr(7);
  std::string out;
  for (std::size_t i = 0; i < fn.size(); ++i) {
    if (fn.compare(i, 2, "::") == 0) {
      out += '.';
      ++i;
    } else if (fn[i] != '_') {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(fn[i])));
    }
  }
  return out;
}

std::vector<Block> parse_report(const std::string& report, bool go, std::string* first_line) {
  std::vector<Block> blocks;
  std::size_t end = report.find("\n\n");
  *first_line = report.substr(0, end);
  std::size_t pos = end + 2;
  while (pos < report.size()) {
    std::size_t stop = report.find("\n\n", pos);
    if (stop == std::string::npos) stop = report.size();
    std::vector<std::string> lines;
    std::size_t p = pos;
    while (p < stop) {
      std::size_t nl = report.find('\n', p);
      if (nl == std::string::npos || nl > stop) nl = stop;
      lines.push_back(report.substr(p, nl - p));
      p = nl + 1;
    }
    pos = stop + 2;
    if (lines.empty() || lines[0].rfind("goroutine ", 0) != 0) continue;
    Block b;
    b.header = lines[0];
    std::smatch m;
    if (std::regex_search(b.header, m, std::regex("\\[([^\\],]+)"))) b.status = m[1];
    for (std::size_t i = 1; i + 1 < lines.size(); i += 2) {
      if (lines[i].rfind("created by ", 0) == 0) {
        b.created_by_line = lines[i];
        std::string fn = lines[i].substr(11);
        std::size_t in = fn.find(" in goroutine ");
        b.creator = canonical(in == std::string::npos ? fn : fn.substr(0, in), go);
      } else {
        b.functions.push_back(canonical(lines[i], go));
      }
      b.locations.push_back(lines[i + 1]);
    }
    // Go 1.19 says "semacquire" where later releases (and gocxx) name the sync call.
    auto has = [&](const char* fn) {
      return std::find(b.functions.begin(), b.functions.end(), fn) != b.functions.end();
    };
    if (b.status == "semacquire" && has("sync.mutex.lock")) b.status = "sync.Mutex.Lock";
    if (b.status == "semacquire" && has("sync.waitgroup.wait")) b.status = "sync.WaitGroup.Wait";
    blocks.push_back(b);
  }
  return blocks;
}

// The function a goroutine was started with: its outermost user frame.
std::string entry_function(const Block& b) {
  return b.functions.empty() ? std::string() : b.functions.back();
}

}  // namespace

// testdata/deadlock_twin.go and the "twin" scenario are the same program in Go and
// C++: goroutines blocked in a receive, a send, a select, Mutex::lock and
// WaitGroup::wait, and main in a receive. Both reports must agree block for block:
// the first line, each goroutine's status, its frames (the program's functions in
// the same order; every gocxx function shown is one Go shows too), the shape of
// every location line, and the creator.
TEST(Deadlock, TheReportMatchesGosForTheSameProgram) {
  if (std::string(GOCXX_GO_EXECUTABLE).empty())
    GTEST_SKIP() << "no Go toolchain (scripts/install-deps.sh)";
  std::string dir = ::testing::TempDir() + "gocxx_twin_" + std::to_string(::getpid());
  std::string exe = dir + "/twin";
  ProcessResult built =
      run_process({GOCXX_GO_EXECUTABLE, "build", "-o", exe, GOCXX_DEADLOCK_TWIN_GO},
                  {"GOCACHE=" + dir + "/cache", "GOPATH=" + dir + "/gopath", "HOME=" + dir,
                   "GOFLAGS=-mod=mod", "GO111MODULE=off", "CGO_ENABLED=0"},
                  300);
  ASSERT_EQ(built.exit_code, 0) << built.err;
  ProcessResult go = run_process({exe}, {"GOTRACEBACK=single"}, 60);
  ProcessResult cxx = scenario("twin");
  ASSERT_EQ(go.exit_code, 2) << go.err;
  ASSERT_EQ(cxx.exit_code, 2) << cxx.err;
  if (cxx.err.find("deadlock_scenarios.cpp:") == std::string::npos) {
    GTEST_SKIP() << "built without debug information (no file:line to compare)";
  }

  std::string go_first, cxx_first;
  std::vector<Block> go_blocks = parse_report(go.err, true, &go_first);
  std::vector<Block> cxx_blocks = parse_report(cxx.err, false, &cxx_first);
  EXPECT_EQ(cxx_first, go_first);
  ASSERT_EQ(cxx_blocks.size(), go_blocks.size()) << go.err << "\n---\n" << cxx.err;
  ASSERT_EQ(go_blocks.size(), 6u) << go.err;
  EXPECT_EQ(go_blocks[0].header, "goroutine 1 [chan receive]:");
  EXPECT_EQ(cxx_blocks[0].header, go_blocks[0].header);

  const std::regex header("^goroutine [0-9]+ \\[[^\\]]+\\]:$");
  const std::regex location("^\t/[^ ]+:[0-9]+( \\+0x[0-9a-f]+)?$");
  for (const Block& g : go_blocks) {
    // Goroutines other than 1 are listed by id, and gocxx hands out ids in
    // batches per processor as Go does, so pair the blocks by entry function.
    const Block* c = nullptr;
    for (const Block& b : cxx_blocks) {
      if (entry_function(b) == entry_function(g)) c = &b;
    }
    ASSERT_NE(c, nullptr) << entry_function(g) << "\n" << cxx.err;
    SCOPED_TRACE(entry_function(g));
    EXPECT_TRUE(std::regex_match(c->header, header)) << c->header;
    EXPECT_EQ(c->status, g.status);
    std::vector<std::string> go_user, cxx_user;
    for (const std::string& f : g.functions) {
      if (f.find('.') == std::string::npos) go_user.push_back(f);
    }
    for (const std::string& f : c->functions) {
      if (f.find('.') == std::string::npos) cxx_user.push_back(f);
    }
    EXPECT_EQ(cxx_user, go_user) << go.err << "\n---\n" << cxx.err;
    std::size_t next = 0;  // gocxx's library frames appear in Go's list, in order
    for (const std::string& f : c->functions) {
      if (f.find('.') == std::string::npos) continue;
      while (next < g.functions.size() && g.functions[next] != f) ++next;
      EXPECT_LT(next, g.functions.size()) << f << " is not in Go's report\n" << go.err;
    }
    for (const std::string& l : c->locations) EXPECT_TRUE(std::regex_match(l, location)) << l;
    for (const std::string& l : g.locations) EXPECT_TRUE(std::regex_match(l, location)) << l;
    EXPECT_EQ(c->creator, g.creator);
    if (!g.creator.empty()) {
      EXPECT_NE(c->created_by_line.find(" in goroutine 1"), std::string::npos)
          << c->created_by_line;
    }
  }
}

// GODEBUG=schedtrace=N: Go's summary line from sysmon every N ms, on stderr.
TEST(Schedtrace, PrintsGosSummaryLineEveryPeriod) {
  ProcessResult r = scenario("sleeper", {"GODEBUG=schedtrace=50"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::regex line(
      "SCHED [0-9]+ms: gomaxprocs=[0-9]+ idleprocs=[0-9]+ threads=[0-9]+ spinningthreads=[0-9]+ "
      "needspinning=0 idlethreads=[0-9]+ runqueue=[0-9]+ \\[[0-9]+( [0-9]+)*\\]\n");
  // The program sleeps for 400 ms: at least a few periods, however slow the machine.
  EXPECT_GE(count(r.err, "SCHED [0-9]+ms: "), 3) << r.err;
  auto lines =
      std::distance(std::sregex_iterator(r.err.begin(), r.err.end(), line), std::sregex_iterator());
  EXPECT_EQ(lines, count(r.err, "SCHED [0-9]+ms: ")) << r.err;
}

// scheddetail=1: the summary without the run-queue list, Go's extra fields, then a
// line per P and per goroutine (its status number and wait reason).
TEST(Schedtrace, DetailAddsALinePerProcessorAndGoroutine) {
  ProcessResult r = scenario("sleeper", {"GODEBUG=schedtrace=50,scheddetail=1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GE(count(r.err,
                  "SCHED [0-9]+ms: gomaxprocs=[0-9]+ idleprocs=[0-9]+ threads=[0-9]+ "
                  "spinningthreads=[0-9]+ needspinning=0 idlethreads=[0-9]+ runqueue=[0-9]+ "
                  "gcwaiting=0 nmidlelocked=0 stopwait=0 sysmonwait=0\n"),
            3)
      << r.err;
  EXPECT_GE(count(r.err,
                  "\n  P0: status=[0-9] schedtick=[0-9]+ syscalltick=0 m=(nil|[0-9]+) "
                  "runqsize=[0-9]+ gfreecnt=[0-9]+ timerslen=[0-9]+\n"),
            3)
      << r.err;
  EXPECT_GE(count(r.err, "\n  G1: status=4\\(chan receive\\) m=nil lockedm=nil\n"), 1) << r.err;
  EXPECT_GE(count(r.err, "\n  G[0-9]+: status=4\\(sleep\\) m=nil lockedm=nil\n"), 1) << r.err;
}

// The stall report: a goroutine computing 400 ms without a scheduling point is
// reported once, with its stack, past the 100 ms threshold; one that yields every
// millisecond is not; nothing is reported when the threshold is not set. The
// signal may land inside the clock read the loop makes, so a few library frames
// (the vDSO, libstdc++) may come before the spinning function.
TEST(StallReport, AGoroutineThatNeverYieldsIsReportedOnceWithItsStack) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "ThreadSanitizer defers the signal that reads the stack";
#endif
  for (auto [name, env] :
       {std::pair{"stall", std::vector<std::string>{"GODEBUG=stallreport=100ms"}},
        std::pair{"stall-api", std::vector<std::string>{}}}) {
    ProcessResult r = scenario(name, env);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "result 1\n");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(
        r.err, m,
        std::regex(
            "gocxx: goroutine ([0-9]+) ran ([0-9]+)ms without yielding\n\ngoroutine ([0-9]+) "
            "\\[running\\]:\n(?:[^\n]*\n\t[^\n]*\n){0,4}[^\n]*spin_without_yielding")))
        << name << ": " << r.err;
    EXPECT_EQ(m[1], m[3]);
    EXPECT_GE(std::stoi(m[2]), 100);
    EXPECT_LT(std::stoi(m[2]), 400);
    EXPECT_EQ(count(r.err, "without yielding"), 1) << r.err;
    EXPECT_NE(r.err.find("created by "), std::string::npos) << r.err;
  }
}

TEST(StallReport, NothingIsReportedForAGoroutineThatYieldsOrWithoutAThreshold) {
  ProcessResult yielding = scenario("stall-yielding", {"GODEBUG=stallreport=100ms"});
  EXPECT_EQ(yielding.exit_code, 0) << yielding.err;
  EXPECT_EQ(yielding.err.find("without yielding"), std::string::npos) << yielding.err;
  ProcessResult off = scenario("stall");
  EXPECT_EQ(off.exit_code, 0) << off.err;
  EXPECT_EQ(off.err, "");
}
