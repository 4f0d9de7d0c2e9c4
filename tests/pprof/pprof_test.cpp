// runtime/pprof's count profiles: the registry, custom profiles and their panics,
// the debug=1 text (Go's layout, tab-aligned as Go's tabwriter aligns it), debug=2,
// and debug=0 read back by the Go toolchain's own `go tool pprof`.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "subprocess.hpp"
#include "test_util.hpp"

using namespace gocxx;
using gocxx::testing::eventually;
using gocxx::testing::ProcessResult;
using gocxx::testing::run_process;
using gocxx::testing::run_with_procs;

namespace {

__attribute__((noinline)) void parked_in_pprof_test(Chan<int> ch) {
  ch.recv();
  asm volatile("" ::: "memory");  // not a tail call: this frame stays on the stack
}

std::string panic_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Panic& p) {
    return p.what();
  }
  return "";
}

std::string text_of(const pprof::Profile* p, int debug) {
  std::ostringstream out;
  Error err = p->write_to(out, debug);
  EXPECT_FALSE(err) << err.message();
  return out.str();
}

// Runs body with `n` goroutines parked in parked_in_pprof_test.
void with_parked(int n, const std::function<void()>& body) {
  run([&] {
    auto ch = make_chan<int>();
    for (int i = 0; i < n; ++i) go(parked_in_pprof_test, ch);
    // A goroutine may still be on its way to the receive (another processor ran
    // it): wait until every one shows parked there. (Not by the goroutine count:
    // the previous test's goroutines may still be on their way out.)
    ASSERT_TRUE(eventually([&] {
      std::string dump = runtime::stack(true);
      std::regex parked("\\[chan receive\\]:\n[^\n]*parked_in_pprof_test");
      return std::distance(std::sregex_iterator(dump.begin(), dump.end(), parked),
                           std::sregex_iterator()) == n;
    }));
    body();
    ch.close();
  });
}

// The text columns the cells start at, tabs expanded to multiples of 8 (a run of
// padding tabs separates two cells).
std::vector<std::size_t> cell_columns(const std::string& line) {
  std::vector<std::size_t> cols{0};
  std::size_t col = 0;
  bool after_tab = false;
  for (char c : line) {
    if (c == '\t') {
      col = (col / 8 + 1) * 8;
      after_tab = true;
    } else {
      if (after_tab) cols.push_back(col);
      after_tab = false;
      ++col;
    }
  }
  return cols;
}

}  // namespace

TEST(Pprof, LookupFindsTheBuiltInProfilesAndNothingElse) {
  ASSERT_NE(pprof::lookup("goroutine"), nullptr);
  ASSERT_NE(pprof::lookup("threadcreate"), nullptr);
  ASSERT_NE(pprof::lookup("goroutineleak"), nullptr);
  EXPECT_EQ(pprof::lookup("goroutine"), pprof::lookup("goroutine"));
  EXPECT_EQ(pprof::lookup("goroutine")->name(), "goroutine");
  EXPECT_EQ(pprof::lookup("heap"), nullptr);
  EXPECT_EQ(pprof::lookup("allocs"), nullptr);
  EXPECT_EQ(pprof::lookup("no such profile"), nullptr);
  std::vector<pprof::Profile*> all = pprof::profiles();
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1]->name(), all[i]->name());
}

TEST(Pprof, NewProfilePanicsAsGoDoes) {
  EXPECT_EQ(panic_of([] { pprof::new_profile(""); }), "pprof: NewProfile with empty name");
  EXPECT_EQ(panic_of([] { pprof::new_profile("goroutine"); }),
            "pprof: NewProfile name already in use: goroutine");
  pprof::Profile* p = pprof::new_profile("pprof_test.once");
  EXPECT_EQ(pprof::lookup("pprof_test.once"), p);
  EXPECT_EQ(panic_of([] { pprof::new_profile("pprof_test.once"); }),
            "pprof: NewProfile name already in use: pprof_test.once");
}

TEST(Pprof, ACustomProfileCountsWhatWasAddedAndNotRemoved) {
  pprof::Profile* p = pprof::new_profile("pprof_test.custom");
  int a = 0, b = 0, c = 0;
  EXPECT_EQ(p->count(), 0);
  p->add(&a);
  p->add(&b);
  p->add(&c);
  EXPECT_EQ(p->count(), 3);
  EXPECT_EQ(panic_of([&] { p->add(&a); }), "pprof: Profile.Add of duplicate value");
  p->remove(&b);
  p->remove(&b);  // absent: nothing
  EXPECT_EQ(p->count(), 2);
  std::string text = text_of(p, 1);
  EXPECT_EQ(text.rfind("pprof_test.custom profile: total 2\n", 0), 0u) << text;
  // Both entries were added from this function, on different lines.
  EXPECT_EQ(std::regex_search(text, std::regex("\n1 @( 0x[0-9a-f]+)+\n")), true) << text;
  EXPECT_NE(text.find("ACustomProfileCountsWhatWasAddedAndNotRemoved"), std::string::npos) << text;

  pprof::Profile* g = pprof::lookup("goroutine");
  EXPECT_EQ(panic_of([&] { g->add(&a); }), "pprof: Add called on built-in Profile goroutine");
  int before = g->count();
  g->remove(&a);  // a built-in profile: nothing
  EXPECT_EQ(g->count(), before);
}

// Go's layout: `goroutine profile: total N`, then `<count> @ <pcs>` per distinct
// stack, most frequent first, its frames as `#` lines, and a blank line.
TEST(Pprof, TheGoroutineProfileGroupsIdenticalStacks) {
  with_parked(5, [] {
    pprof::Profile* p = pprof::lookup("goroutine");
    std::string text = text_of(p, 1);
    std::int64_t n = runtime::num_goroutine();
    EXPECT_EQ(p->count(), n);
    EXPECT_EQ(text.rfind("goroutine profile: total " + std::to_string(n) + "\n", 0), 0u) << text;
    std::smatch m;
    ASSERT_TRUE(
        std::regex_search(text, m, std::regex("\n(5 @( 0x[0-9a-f]+)+)\n((#\t[^\n]*\n)+)\n")))
        << text;
    std::string frames = m[3];
    EXPECT_TRUE(
        std::regex_search(frames, std::regex("^#\t0x[0-9a-f]+\t[^\t]*parked_in_pprof_test")))
        << frames;
    if (frames.find("pprof_test.cpp:") != std::string::npos) {  // with debug information
      EXPECT_TRUE(std::regex_search(frames, std::regex("pprof_test\\.cpp:[0-9]+\n"))) << frames;
    }
    // The writer's own stack runs through Profile::write_to, as Go's does.
    EXPECT_NE(text.find("write_to"), std::string::npos) << text;
    // Every group's counts add up to the total.
    std::int64_t sum = 0;
    std::regex group("\n([0-9]+) @");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), group);
         it != std::sregex_iterator(); ++it) {
      sum += std::stoll((*it)[1]);
    }
    EXPECT_EQ(sum, n) << text;
  });
}

// Go's tabwriter (minwidth 1, tabwidth 8, padding 1, tab padding): within one
// group the function and file columns start at the same tab stop on every line.
TEST(Pprof, FrameLinesAreAlignedAsGosTabwriterAlignsThem) {
  pprof::Profile* p = pprof::new_profile("pprof_test.aligned");
  int a = 0;
  p->add(&a);
  std::string text = text_of(p, 1);
  std::istringstream lines(text);
  std::string line;
  std::vector<std::vector<std::size_t>> group;
  auto check = [&] {
    for (const auto& cols : group) {
      ASSERT_EQ(cols.size(), group[0].size()) << text;
      EXPECT_EQ(cols, group[0]) << text;
      for (std::size_t c : cols) EXPECT_EQ(c % 8, 0u) << text;
    }
    group.clear();
  };
  while (std::getline(lines, line)) {
    if (line.rfind("#\t", 0) == 0 && std::count(line.begin(), line.end(), '\t') >= 3) {
      group.push_back(cell_columns(line));
    } else {
      check();
    }
  }
  check();
  EXPECT_NE(text.find("#\t0x"), std::string::npos) << text;
}

TEST(Pprof, DebugTwoIsTheFullGoroutineDump) {
  with_parked(2, [] {
    std::string text = text_of(pprof::lookup("goroutine"), 2);
    EXPECT_EQ(text.rfind("goroutine ", 0), 0u) << text;
    std::regex parked("\ngoroutine [0-9]+ \\[chan receive\\]:\n");
    EXPECT_EQ(std::distance(std::sregex_iterator(text.begin(), text.end(), parked),
                            std::sregex_iterator()),
              2)
        << text;
  });
}

// Stacks are walked while their goroutines are readied, run, exit and are reused
// on other processors: a walk holds its goroutine switched out, so none reads a
// stack that is running or freed (under ASan such a read faults; under TSan, a G
// being recycled for a new goroutine while a dump reads it is a reported race).
TEST(Pprof, DumpsWhileGoroutinesComeAndGo) {
  run_with_procs(4, [] {
    auto stop = make_chan<>();
    auto done = make_chan<int>();
    std::atomic<int> spawned{0};
    for (int w = 0; w < 3; ++w) {
      go([stop, done, &spawned] {
        int rounds = 0;
        for (bool stopping = false; !stopping && rounds < 200000; ++rounds) {
          auto ping = make_chan<int>();
          go([ping] { ping.send(1); });  // parks until received, then exits
          spawned.fetch_add(1, std::memory_order_relaxed);
          if (rounds % 2 == 0) runtime::gosched();
          ping.recv();
          stopping = stop.try_recv().has_value();
        }
        done.send(rounds);
      });
    }
    pprof::Profile* profile = pprof::lookup("goroutine");
    for (int i = 0; i < 60; ++i) {
      std::string dump = runtime::stack(true);
      EXPECT_EQ(dump.rfind("goroutine ", 0), 0u);
      std::ostringstream text;
      EXPECT_FALSE(profile->write_to(text, i % 2 == 0 ? 1 : 2));
    }
    stop.close();
    int rounds = 0;
    for (int w = 0; w < 3; ++w) rounds += *done.recv();
    EXPECT_EQ(rounds, spawned.load());
    EXPECT_GT(rounds, 0);
  });
}

TEST(Pprof, TheThreadcreateProfileCountsRuntimeThreads) {
  run([] {
    pprof::Profile* p = pprof::lookup("threadcreate");
    int n = p->count();
    EXPECT_GE(n, 2);  // at least the thread that started the runtime and sysmon
    std::string text = text_of(p, 1);
    EXPECT_EQ(text, "threadcreate profile: total " + std::to_string(n) + "\n" + std::to_string(n) +
                        " @\n#\t0x0\n\n");
  });
}

TEST(Pprof, WriteToAFailedStreamIsAnError) {
  std::ostringstream out;
  out.setstate(std::ios::badbit);
  EXPECT_TRUE(pprof::lookup("goroutine")->write_to(out, 1));
}

// debug=0 is gzipped profile.proto: the test is that Go's own pprof reads it and
// finds the five parked goroutines in one sample, at the right function.
TEST(Pprof, GoToolPprofReadsTheProto) {
  if (std::string(GOCXX_GO_EXECUTABLE).empty())
    GTEST_SKIP() << "no Go toolchain (scripts/install-deps.sh)";
  std::string dir = ::testing::TempDir() + "gocxx_pprof_" + std::to_string(::getpid());
  std::string path = dir + ".goroutine.pb.gz";
  with_parked(5, [&] {
    std::ofstream f(path, std::ios::binary);
    EXPECT_FALSE(pprof::lookup("goroutine")->write_to(f, 0));
  });
  std::vector<std::string> env = {"HOME=" + dir, "GOCACHE=" + dir + "/cache",
                                  "PPROF_TMPDIR=" + dir};
  ProcessResult raw = run_process({GOCXX_GO_EXECUTABLE, "tool", "pprof", "-raw", path}, env, 120);
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_NE(raw.out.find("PeriodType: goroutine count"), std::string::npos) << raw.out;
  EXPECT_NE(raw.out.find("goroutine/count"), std::string::npos) << raw.out;
  EXPECT_TRUE(std::regex_search(raw.out, std::regex("\n +5: [0-9 ]+\n"))) << raw.out;
  EXPECT_TRUE(std::regex_search(raw.out, std::regex("parked_in_pprof_test"))) << raw.out;
  ProcessResult top = run_process({GOCXX_GO_EXECUTABLE, "tool", "pprof", "-top", path}, env, 120);
  ASSERT_EQ(top.exit_code, 0) << top.err;
  EXPECT_TRUE(std::regex_search(top.out, std::regex("\n +5 +[0-9.]+% .*parked_in_pprof_test")))
      << top.out;
  std::remove(path.c_str());
}

// The alignment itself, against Go: the debug=1 text with each run of padding
// tabs collapsed to one is fed to Go's text/tabwriter, configured as
// runtime/pprof configures it; Go's output must be gocxx's, byte for byte.
TEST(Pprof, TheTextIsWhatGosTabwriterMakesOfIt) {
  if (std::string(GOCXX_GO_EXECUTABLE).empty())
    GTEST_SKIP() << "no Go toolchain (scripts/install-deps.sh)";
  std::string text;
  with_parked(3, [&] {
    pprof::Profile* p = pprof::new_profile("pprof_test.tabwriter");
    int a = 0;
    p->add(&a);
    text = text_of(pprof::lookup("goroutine"), 1) + text_of(p, 1);
  });
  std::string cells;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\t' && i > 0 && text[i - 1] == '\t') continue;
    cells += text[i];
  }
  std::string dir = ::testing::TempDir() + "gocxx_tabwriter_" + std::to_string(::getpid());
  std::string input = dir + ".txt";
  {
    std::ofstream f(input, std::ios::binary);
    f << cells;
  }
  ProcessResult go =
      run_process({GOCXX_GO_EXECUTABLE, "run", GOCXX_TABWRITER_GO, input},
                  {"HOME=" + dir, "GOCACHE=" + dir + "/cache", "GO111MODULE=off"}, 300);
  ASSERT_EQ(go.exit_code, 0) << go.err;
  EXPECT_EQ(go.out, text);
  std::remove(input.c_str());
}

namespace {

// Its body differs from parked_in_pprof_test's: GCC folds identical functions.
__attribute__((noinline)) int blocked_in_block_test(Chan<int> ch) {
  int v = ch.recv().value_or(-1);
  asm volatile("" : "+r"(v)::"memory");
  return v + 1;
}

__attribute__((noinline)) void unlock_after_contention(sync::Mutex* mu) {
  mu->unlock();
  asm volatile("" ::: "memory");
}

}  // namespace

// `go tool pprof -raw` (or another report) of p's debug=0 form ("" without a Go
// toolchain).
std::string go_pprof_raw(const pprof::Profile* p, const char* report = "-raw") {
  if (std::string(GOCXX_GO_EXECUTABLE).empty()) return "";
  std::string dir = ::testing::TempDir() + "gocxx_raw_" + std::to_string(::getpid());
  std::string path = dir + "." + p->name() + ".pb.gz";
  {
    std::ofstream f(path, std::ios::binary);
    EXPECT_FALSE(p->write_to(f, 0));
  }
  ProcessResult raw =
      run_process({GOCXX_GO_EXECUTABLE, "tool", "pprof", report, path},
                  {"HOME=" + dir, "GOCACHE=" + dir + "/cache", "PPROF_TMPDIR=" + dir}, 120);
  EXPECT_EQ(raw.exit_code, 0) << raw.err;
  std::remove(path.c_str());
  return raw.out;
}

__attribute__((noinline)) void add_to_custom_profile(pprof::Profile* p, const int* v) {
  p->add(v);
  asm volatile("" ::: "memory");
}

// The profiles not read back elsewhere: threadcreate (one sample, its count the
// thread count, no frames: `-raw` lists no sample, as for Go's own, and `-top`
// gives the total), a custom one (its entries' stacks) and mutex.
TEST(Pprof, GoToolPprofReadsThreadcreateAndCustomProfiles) {
  if (std::string(GOCXX_GO_EXECUTABLE).empty())
    GTEST_SKIP() << "no Go toolchain (scripts/install-deps.sh)";
  run([] {
    pprof::Profile* threads = pprof::lookup("threadcreate");
    int n = threads->count();
    std::string top = go_pprof_raw(threads, "-top");
    EXPECT_NE(top.find("Type: threadcreate\n"), std::string::npos) << top;
    EXPECT_NE(top.find("of " + std::to_string(n) + " total"), std::string::npos) << top;
    std::string raw;

    pprof::Profile* custom = pprof::new_profile("pprof_test.read_back");
    int values[3] = {};
    for (const int& v : values) add_to_custom_profile(custom, &v);
    raw = go_pprof_raw(custom);
    EXPECT_NE(raw.find("pprof_test.read_back/count"), std::string::npos) << raw;
    EXPECT_TRUE(std::regex_search(raw, std::regex("\n +3: [0-9 ]+\n"))) << raw;
    EXPECT_NE(raw.find("add_to_custom_profile"), std::string::npos) << raw;
    for (const int& v : values) custom->remove(&v);
  });
}

TEST(Pprof, TheBlockProfileRecordsWhereAndHowLongGoroutinesWaited) {
  runtime::set_block_profile_rate(1);  // every wait
  run([] {
    auto ch = make_chan<int>(), done = make_chan<int>();
    go([ch, done] {
      blocked_in_block_test(ch);
      done.close();
    });
    ASSERT_TRUE(eventually(
        [] { return runtime::stack(true).find("[chan receive]") != std::string::npos; }));
    ch.send(1);
    done.recv();
  });
  runtime::set_block_profile_rate(0);
  pprof::Profile* p = pprof::lookup("block");
  ASSERT_NE(p, nullptr);
  EXPECT_GE(p->count(), 1);
  std::string text = text_of(p, 1);
  EXPECT_EQ(text.rfind("--- contention:\ncycles/second=1000000000\n", 0), 0u) << text;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      text, m,
      std::regex(
          "\n([0-9]+) ([0-9]+) @( 0x[0-9a-f]+)+\n#\t0x[0-9a-f]+\t[^\n]*blocked_in_block_test")))
      << text;
  EXPECT_GT(std::stoll(m[1]), 0) << text;  // nanoseconds waited
  EXPECT_GE(std::stoll(m[2]), 1) << text;

  if (std::string(GOCXX_GO_EXECUTABLE).empty()) return;
  std::string dir = ::testing::TempDir() + "gocxx_block_" + std::to_string(::getpid());
  std::string path = dir + ".block.pb.gz";
  {
    std::ofstream f(path, std::ios::binary);
    EXPECT_FALSE(p->write_to(f, 0));
  }
  ProcessResult raw =
      run_process({GOCXX_GO_EXECUTABLE, "tool", "pprof", "-raw", path},
                  {"HOME=" + dir, "GOCACHE=" + dir + "/cache", "PPROF_TMPDIR=" + dir}, 120);
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_NE(raw.out.find("contentions/count delay/nanoseconds"), std::string::npos) << raw.out;
  EXPECT_NE(raw.out.find("blocked_in_block_test"), std::string::npos) << raw.out;
  std::remove(path.c_str());
}

TEST(Pprof, TheMutexProfileChargesTheUnlockerWithTheWaitersDelay) {
  EXPECT_EQ(runtime::set_mutex_profile_fraction(1), 0);
  EXPECT_EQ(runtime::set_mutex_profile_fraction(-1), 1);  // only reads
  run_with_procs(2, [] {
    sync::Mutex mu;
    auto done = make_chan<int>();
    mu.lock();
    go([&mu, done] {
      mu.lock();  // waits for the unlock below
      mu.unlock();
      done.close();
    });
    ASSERT_TRUE(eventually(
        [] { return runtime::stack(true).find("[sync.Mutex.Lock]") != std::string::npos; }));
    unlock_after_contention(&mu);
    done.recv();
  });
  EXPECT_EQ(runtime::set_mutex_profile_fraction(0), 1);
  pprof::Profile* p = pprof::lookup("mutex");
  ASSERT_NE(p, nullptr);
  EXPECT_GE(p->count(), 1);
  std::string text = text_of(p, 1);
  EXPECT_EQ(text.rfind("--- mutex:\ncycles/second=1000000000\nsampling period=0\n", 0), 0u) << text;
  EXPECT_TRUE(std::regex_search(
      text, std::regex("\n[0-9]+ 1 @( 0x[0-9a-f]+)+\n(#\t[^\n]*\n)*#\t0x[0-9a-f]+\t[^\n]*"
                       "unlock_after_contention")))
      << text;
  std::string raw = go_pprof_raw(p);
  if (!raw.empty()) {
    EXPECT_NE(raw.find("contentions/count delay/nanoseconds"), std::string::npos) << raw;
    EXPECT_TRUE(std::regex_search(raw, std::regex("\n +1 +[0-9]+: [0-9 ]+\n"))) << raw;
    EXPECT_NE(raw.find("unlock_after_contention"), std::string::npos) << raw;
  }
}
