// The CPU profile: SIGPROF timers on every thread that runs goroutines, samples
// where the CPU time went, with the running goroutine's labels, written as the
// profile.proto `go tool pprof` reads.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "subprocess.hpp"
#include "test_util.hpp"

using namespace gocxx;
using gocxx::testing::ProcessResult;
using gocxx::testing::run_process;
using gocxx::testing::run_with_procs;

namespace {

std::atomic<std::uint64_t> g_sink{0};

// Burns CPU for at least `ms` of this thread's CPU time (distinct bodies: GCC
// folds identical functions).
__attribute__((noinline)) std::uint64_t spin_in_cpu_hog_one(int ms) {
  std::uint64_t x = 1;
  timespec start{}, now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
  do {
    for (int i = 0; i < 100000; ++i) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  } while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < ms);
  g_sink.fetch_add(x, std::memory_order_relaxed);
  return x;
}

__attribute__((noinline)) std::uint64_t spin_in_cpu_hog_two(int ms) {
  std::uint64_t x = 7;
  timespec start{}, now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
  do {
    for (int i = 0; i < 100000; ++i) x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  } while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < ms);
  g_sink.fetch_add(x, std::memory_order_relaxed);
  return x;
}

// The samples/count column of `go tool pprof -raw`, summed.
std::int64_t sum_samples(const std::string& raw) {
  std::int64_t samples = 0;
  std::regex sample("\\n +([0-9]+) +[0-9]+: [0-9 ]*\\n");
  for (auto it = std::sregex_iterator(raw.begin(), raw.end(), sample); it != std::sregex_iterator();
       ++it) {
    samples += std::stoll((*it)[1]);
  }
  return samples;
}

bool have_go() {
  return !std::string(GOCXX_GO_EXECUTABLE).empty();
}

std::vector<std::string> pprof_env(const std::string& dir) {
  return {"HOME=" + dir, "PPROF_TMPDIR=" + dir};
}

}  // namespace

TEST(CpuProfile, ASecondStartIsAnErrorAndABadRateToo) {
  run([] {
    std::ostringstream a, b;
    EXPECT_TRUE(pprof::start_cpu_profile(a, 0));
    ASSERT_FALSE(pprof::start_cpu_profile(a));
    Error err = pprof::start_cpu_profile(b);
    ASSERT_TRUE(err);
    EXPECT_EQ(err.message(), "cpu profiling already in use");
    pprof::stop_cpu_profile();
    pprof::stop_cpu_profile();  // nothing runs: nothing happens
    EXPECT_EQ(b.str(), "");
    std::string data = a.str();
    ASSERT_GE(data.size(), 2u);
    EXPECT_EQ(static_cast<unsigned char>(data[0]), 0x1f);  // gzip
    EXPECT_EQ(static_cast<unsigned char>(data[1]), 0x8b);
    // And it can run again.
    std::ostringstream c;
    EXPECT_FALSE(pprof::start_cpu_profile(c));
    pprof::stop_cpu_profile();
  });
}

TEST(CpuProfile, SamplesShowWhereEachGoroutineSpentItsTimeWithItsLabels) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "ThreadSanitizer defers signal handlers to its own frames";
#endif
  if (!have_go()) GTEST_SKIP() << "no Go toolchain (scripts/install-deps.sh)";
  std::string dir = ::testing::TempDir() + "gocxx_cpuprof_" + std::to_string(::getpid());
  std::string path = dir + ".cpu.pb.gz";
  run_with_procs(2, [&] {
    std::ofstream f(path, std::ios::binary);
    ASSERT_FALSE(pprof::start_cpu_profile(f));
    sync::WaitGroup wg;
    wg.add(2);
    // 300 ms of CPU each: about 30 samples each at 100 Hz.
    pprof::do_with({{"hog", "one"}}, [&] {
      go([&] {
        spin_in_cpu_hog_one(300);
        wg.done();
      });
    });
    pprof::do_with({{"hog", "two"}}, [&] {
      go([&] {
        spin_in_cpu_hog_two(300);
        wg.done();
      });
    });
    wg.wait();
    pprof::stop_cpu_profile();
  });
  ProcessResult raw =
      run_process({GOCXX_GO_EXECUTABLE, "tool", "pprof", "-raw", path}, pprof_env(dir), 120);
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_NE(raw.out.find("PeriodType: cpu nanoseconds"), std::string::npos) << raw.out;
  EXPECT_NE(raw.out.find("Period: 10000000"), std::string::npos) << raw.out;
  EXPECT_NE(raw.out.find("samples/count cpu/nanoseconds"), std::string::npos) << raw.out;
  // 600 ms of CPU in all: about 60 samples.
  EXPECT_GE(sum_samples(raw.out), 30) << raw.out;
  EXPECT_LE(sum_samples(raw.out), 90) << raw.out;
  for (const char* hog : {"one", "two"}) {
    ProcessResult top = run_process(
        {GOCXX_GO_EXECUTABLE, "tool", "pprof", "-top", std::string("-tagfocus=hog:") + hog, path},
        pprof_env(dir), 120);
    ASSERT_EQ(top.exit_code, 0) << top.err;
    // The hog's own function holds most of its samples (generous: the timers
    // count CPU time, so every 10 ms of it is a sample, give or take the first).
    std::smatch m;
    std::regex line(std::string("\n +([0-9.]+)(m?s) +([0-9.]+)% .*spin_in_cpu_hog_") + hog);
    ASSERT_TRUE(std::regex_search(top.out, m, line)) << top.out;
    double flat_ms = std::stod(m[1]) * (m[2] == "s" ? 1000 : 1);
    EXPECT_GE(flat_ms, 150) << top.out;
    EXPECT_LE(flat_ms, 450) << top.out;
    const char* other = std::string(hog) == "one" ? "spin_in_cpu_hog_two" : "spin_in_cpu_hog_one";
    EXPECT_EQ(top.out.find(other), std::string::npos) << top.out;
  }
  std::remove(path.c_str());
}

TEST(CpuProfile, IdleProcessorsTakeNoSamples) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "ThreadSanitizer defers signal handlers to its own frames";
#endif
  if (!have_go()) GTEST_SKIP() << "no Go toolchain (scripts/install-deps.sh)";
  // The timers count CPU time, not wall time: 200 ms spent waiting records
  // (almost) nothing, where a wall-clock timer would record 20 samples per thread.
  std::string dir = ::testing::TempDir() + "gocxx_cpuidle_" + std::to_string(::getpid());
  std::string path = dir + ".cpu.pb.gz";
  run_with_procs(2, [&] {
    std::ofstream f(path, std::ios::binary);
    ASSERT_FALSE(pprof::start_cpu_profile(f));
    auto t = time::after(std::chrono::milliseconds(200));
    t.recv();
    pprof::stop_cpu_profile();
  });
  ProcessResult raw =
      run_process({GOCXX_GO_EXECUTABLE, "tool", "pprof", "-raw", path}, pprof_env(dir), 120);
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_LE(sum_samples(raw.out), 5) << raw.out;
  std::remove(path.c_str());
}
