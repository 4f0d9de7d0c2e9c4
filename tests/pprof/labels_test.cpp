// pprof labels: do_with's merge and restore, inheritance by goroutines started
// inside, and where labels show: the goroutine profile (text and proto, read back
// by `go tool pprof -tags`) and traceback headers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "subprocess.hpp"
#include "test_util.hpp"

using namespace gocxx;
using gocxx::testing::eventually;
using gocxx::testing::ProcessResult;
using gocxx::testing::run_process;

namespace {

// Distinct bodies: GCC folds identical functions into one symbol.
__attribute__((noinline)) void parked_with_labels(Chan<int> ch) {
  ch.recv();
  asm volatile("" ::: "memory");
}

__attribute__((noinline)) int parked_with_labels_too(Chan<int> ch) {
  int v = ch.recv().value_or(3);
  asm volatile("" : "+r"(v)::"memory");
  return v * 2;
}

std::string value_of(std::string_view key) {
  return pprof::label(key).value_or("<none>");
}

int count_matches(const std::string& text, const std::regex& re) {
  return static_cast<int>(
      std::distance(std::sregex_iterator(text.begin(), text.end(), re), std::sregex_iterator()));
}

// Runs body with 3 goroutines parked in parked_with_labels under worker=3 and 2
// parked there with no labels.
void with_labelled(const std::function<void()>& body) {
  run([&] {
    auto ch = make_chan<int>();
    pprof::do_with({{"worker", "3"}}, [&] {
      for (int i = 0; i < 3; ++i) go(parked_with_labels, ch);
    });
    for (int i = 0; i < 2; ++i) go(parked_with_labels, ch);
    ASSERT_TRUE(eventually([&] {
      std::string dump = runtime::stack(true);
      return count_matches(dump,
                           std::regex("\\[chan receive[^\n]*\\]:\n[^\n]*parked_with_labels")) == 5;
    }));
    body();
    ch.close();
  });
}

}  // namespace

TEST(Labels, DoWithAddsLabelsForTheCallAndRestoresThem) {
  run([] {
    EXPECT_EQ(value_of("a"), "<none>");
    pprof::do_with({{"a", "1"}, {"b", "2"}}, [] {
      EXPECT_EQ(value_of("a"), "1");
      EXPECT_EQ(value_of("b"), "2");
      // Go's Do: added to the goroutine's labels, a repeated key replaced.
      pprof::do_with({{"b", "3"}, {"c", "4"}}, [] {
        EXPECT_EQ(value_of("a"), "1");
        EXPECT_EQ(value_of("b"), "3");
        EXPECT_EQ(value_of("c"), "4");
      });
      EXPECT_EQ(value_of("b"), "2");
      EXPECT_EQ(value_of("c"), "<none>");
    });
    EXPECT_EQ(value_of("a"), "<none>");
  });
}

TEST(Labels, AnExceptionLeavingDoWithRestoresTheLabels) {
  run([] {
    pprof::do_with({{"outer", "x"}}, [] {
      EXPECT_THROW(pprof::do_with({{"inner", "y"}}, [] { throw std::runtime_error("boom"); }),
                   std::runtime_error);
      EXPECT_EQ(value_of("inner"), "<none>");
      EXPECT_EQ(value_of("outer"), "x");
    });
  });
}

TEST(Labels, GoroutinesStartedInsideInheritThemForLife) {
  run([] {
    auto seen = make_chan<std::string>(4);
    auto go_on = make_chan<int>();
    pprof::do_with({{"request", "42"}}, [&] {
      go([seen, go_on] {
        go_on.recv();  // runs on after do_with has returned in its creator
        seen.send(value_of("request"));
        go([seen] { seen.send("grandchild " + value_of("request")); });
      });
    });
    EXPECT_EQ(value_of("request"), "<none>");
    go_on.send(1);
    EXPECT_EQ(seen.recv().value_or(""), "42");
    EXPECT_EQ(seen.recv().value_or(""), "grandchild 42");
    // A goroutine started outside has none.
    go([seen] { seen.send(value_of("request")); });
    EXPECT_EQ(seen.recv().value_or(""), "<none>");
  });
}

TEST(Labels, PlainThreadsHaveLabelsTheirGoroutinesInherit) {
  run([] {
    auto seen = make_chan<std::string>(1);
    std::thread t([&] {
      pprof::do_with({{"thread", "t1"}}, [&] {
        EXPECT_EQ(value_of("thread"), "t1");
        go([seen] { seen.send(value_of("thread")); });
      });
    });
    EXPECT_EQ(seen.recv().value_or(""), "t1");
    t.join();
  });
}

TEST(Labels, ManyGoroutinesShareAndDropLabelsWithoutLoss) {
  // Bounded stress: goroutines inherit, nest and exit while profiles read their
  // labels; every goroutine sees exactly its own labels.
  run([] {
    constexpr int kGoroutines = 400;
    sync::WaitGroup wg;
    std::atomic<int> right{0};
    for (int i = 0; i < kGoroutines; ++i) {
      wg.add(1);
      pprof::do_with({{"i", std::to_string(i)}}, [&, i] {
        go([&, i] {
          pprof::do_with({{"j", std::to_string(i * 7)}}, [&] {
            gocxx::runtime::gosched();
            if (value_of("i") == std::to_string(i) && value_of("j") == std::to_string(i * 7)) {
              right.fetch_add(1);
            }
          });
          wg.done();
        });
      });
      if (i % 50 == 0) {
        std::ostringstream out;
        EXPECT_FALSE(pprof::lookup("goroutine")->write_to(out, 1));
        (void)runtime::stack(true);
      }
    }
    wg.wait();
    EXPECT_EQ(right.load(), kGoroutines);
  });
}

TEST(Labels, TheGoroutineProfileGroupsByStackAndLabels) {
  with_labelled([] {
    std::ostringstream out;
    ASSERT_FALSE(pprof::lookup("goroutine")->write_to(out, 1));
    std::string text = out.str();
    // Go's layout: the `@` line, then `# labels:` with %q-quoted keys and values.
    std::smatch m;
    ASSERT_TRUE(std::regex_search(
        text, m,
        std::regex("\n3 @( 0x[0-9a-f]+)+\n# labels: \\{\"worker\":\"3\"\\}\n#\t0x[0-9a-f]+\t"
                   "[^\t]*parked_with_labels")))
        << text;
    EXPECT_TRUE(std::regex_search(
        text, std::regex("\n2 @( 0x[0-9a-f]+)+\n#\t0x[0-9a-f]+\t[^\t]*parked_with_labels")))
        << text;
  });
}

TEST(Labels, TracebackHeadersShowThemAsGo127Does) {
  run([] {
    auto ch = make_chan<int>();
    pprof::do_with({{"worker", "3"}, {"quote\"d", "tab\there\x01"}},
                   [&] { go(parked_with_labels_too, ch); });
    std::string want =
        "[chan receive, labels:{\"quote\\\"d\": \"tab\\there\\x01\", \"worker\": \"3\"}]:\n";
    ASSERT_TRUE(eventually([&] {
      std::string dump = runtime::stack(true);
      return dump.find(want) != std::string::npos &&
             dump.find("parked_with_labels_too") != std::string::npos;
    })) << runtime::stack(true);
    // The caller's own header has its labels too.
    pprof::do_with({{"me", "main"}}, [] {
      std::string dump = runtime::stack(false);
      EXPECT_NE(dump.find("[running, labels:{\"me\": \"main\"}]:\n"), std::string::npos) << dump;
    });
    ch.close();
  });
}

// The body of the next test, in a child process with the environment it sets:
// prints the caller's own traceback header with labels.
TEST(Labels, HeaderProbe) {
  if (std::getenv("GOCXX_LABELS_PROBE") == nullptr) GTEST_SKIP() << "run by the next test";
  run([] {
    pprof::do_with({{"me", "main"}}, [] { std::printf("%s", runtime::stack(false).c_str()); });
  });
}

// GODEBUG=tracebacklabels=0, Go 1.27's opt-out: headers without the labels.
TEST(Labels, GodebugTracebacklabelsZeroLeavesThemOut) {
  std::string self = "/proc/" + std::to_string(::getpid()) + "/exe";
  for (bool off : {false, true}) {
    std::vector<std::string> env = {"GOCXX_LABELS_PROBE=1"};
    if (off) env.push_back("GODEBUG=tracebacklabels=0");
    ProcessResult r = run_process({self, "--gtest_filter=Labels.HeaderProbe"}, env, 60);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    std::regex header(off ? "\ngoroutine 1 \\[running\\]:\n"
                          : "\ngoroutine 1 \\[running, labels:\\{\"me\": \"main\"\\}\\]:\n");
    EXPECT_TRUE(std::regex_search(r.out, header)) << (off ? "off" : "on") << "\n" << r.out;
  }
}

TEST(Labels, GoToolPprofReadsTheSampleLabels) {
  if (std::string(GOCXX_GO_EXECUTABLE).empty())
    GTEST_SKIP() << "no Go toolchain (scripts/install-deps.sh)";
  std::string dir = ::testing::TempDir() + "gocxx_labels_" + std::to_string(::getpid());
  std::string path = dir + ".goroutine.pb.gz";
  with_labelled([&] {
    std::ofstream f(path, std::ios::binary);
    EXPECT_FALSE(pprof::lookup("goroutine")->write_to(f, 0));
  });
  std::vector<std::string> env = {"HOME=" + dir, "PPROF_TMPDIR=" + dir};
  ProcessResult tags = run_process({GOCXX_GO_EXECUTABLE, "tool", "pprof", "-tags", path}, env, 120);
  ASSERT_EQ(tags.exit_code, 0) << tags.err;
  // `worker: Total 3` and the value's line: 3 goroutines carry worker=3.
  EXPECT_TRUE(std::regex_search(
      tags.out, std::regex("worker: Total 3(\\.0)?\n +3(\\.0)? \\( *100(\\.0)?%\\): 3\n")))
      << tags.out;
  ProcessResult top = run_process(
      {GOCXX_GO_EXECUTABLE, "tool", "pprof", "-top", "-tagfocus=worker:3", path}, env, 120);
  ASSERT_EQ(top.exit_code, 0) << top.err;
  EXPECT_TRUE(std::regex_search(top.out, std::regex("\n +3 +[0-9.]+% .*parked_with_labels")))
      << top.out;
  std::remove(path.c_str());
}
