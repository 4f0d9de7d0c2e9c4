// GOMAXPROCS's default as Go 1.25 sets it: the CPU limit of the cgroup (v1 and
// v2, on sample files), the affinity mask, and sysmon following changes.
#include <sched.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "gocxx/gocxx.hpp"
#include "runtime/sched.hpp"
#include "test_util.hpp"

namespace gocxx {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A scratch file system with cgroup files in it.
class FakeRoot {
 public:
  FakeRoot() {
    dir_ = fs::temp_directory_path() /
           ("gocxx-cgroup-" + std::to_string(getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(dir_);
  }
  ~FakeRoot() { fs::remove_all(dir_); }
  void write(const std::string& path, const std::string& text) {
    fs::path p = dir_ / fs::path(path).relative_path();
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  std::string root() const { return dir_.string(); }

 private:
  static inline int counter_ = 0;
  fs::path dir_;
};

const char* kMountinfoV2 =
    "24 30 0:22 / /sys rw,nosuid - sysfs sysfs rw\n"
    "30 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
    "35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec - cgroup2 cgroup2 rw,nsdelegate\n";

TEST(Cgroup, V2QuotaOfTheCgroupRoundsUpToAtLeastTwo) {
  FakeRoot r;
  r.write("/sys/fs/cgroup/user.slice/cpu.max", "max 100000\n");
  r.write("/sys/fs/cgroup/user.slice/app/cpu.max", "150000 100000\n");
  auto limit = rt::cgroup_cpu_limit("0::/user.slice/app\n", kMountinfoV2, r.root());
  ASSERT_TRUE(limit.has_value());
  EXPECT_DOUBLE_EQ(*limit, 1.5);
  EXPECT_EQ(rt::gomaxprocs_for(8, limit), 2);
  EXPECT_EQ(rt::gomaxprocs_for(1, limit), 1);  // never more than the CPUs
}

TEST(Cgroup, V2TakesTheSmallestLimitUpTheHierarchy) {
  FakeRoot r;
  r.write("/sys/fs/cgroup/cpu.max", "max 100000\n");
  r.write("/sys/fs/cgroup/a/cpu.max", "350000 100000\n");
  r.write("/sys/fs/cgroup/a/b/cpu.max", "max 100000\n");
  auto limit = rt::cgroup_cpu_limit("0::/a/b\n", kMountinfoV2, r.root());
  ASSERT_TRUE(limit.has_value());
  EXPECT_DOUBLE_EQ(*limit, 3.5);
  EXPECT_EQ(rt::gomaxprocs_for(16, limit), 4);
  EXPECT_EQ(rt::gomaxprocs_for(3, limit), 3);
}

TEST(Cgroup, V2InsideANamespaceReadsTheMountItself) {
  FakeRoot r;
  r.write("/sys/fs/cgroup/cpu.max", "50000 100000\n");
  auto limit = rt::cgroup_cpu_limit("0::/\n", kMountinfoV2, r.root());
  ASSERT_TRUE(limit.has_value());
  EXPECT_DOUBLE_EQ(*limit, 0.5);
  EXPECT_EQ(rt::gomaxprocs_for(8, limit), 2);
}

TEST(Cgroup, V1QuotaAndPeriod) {
  FakeRoot r;
  const char* mountinfo =
      "30 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
      "41 35 0:36 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro,nosuid master:18 - cgroup cgroup "
      "rw,cpu,cpuacct\n"
      "42 35 0:37 /docker/abc /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory\n";
  r.write("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "250000\n");
  r.write("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
  const char* cgroup =
      "12:memory:/docker/abc\n"
      "4:cpu,cpuacct:/docker/abc\n"
      "1:name=systemd:/docker/abc\n";
  auto limit = rt::cgroup_cpu_limit(cgroup, mountinfo, r.root());
  ASSERT_TRUE(limit.has_value());
  EXPECT_DOUBLE_EQ(*limit, 2.5);
  EXPECT_EQ(rt::gomaxprocs_for(16, limit), 3);
  // -1: no quota.
  r.write("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
  EXPECT_FALSE(rt::cgroup_cpu_limit(cgroup, mountinfo, r.root()).has_value());
}

TEST(Cgroup, NoLimitAndUnreadableFilesLeaveTheCpuCount) {
  FakeRoot r;
  r.write("/sys/fs/cgroup/a/cpu.max", "max 100000\n");
  EXPECT_FALSE(rt::cgroup_cpu_limit("0::/a\n", kMountinfoV2, r.root()).has_value());
  EXPECT_FALSE(rt::cgroup_cpu_limit("0::/missing\n", kMountinfoV2, r.root()).has_value());
  r.write("/sys/fs/cgroup/b/cpu.max", "garbage\n");
  EXPECT_FALSE(rt::cgroup_cpu_limit("0::/b\n", kMountinfoV2, r.root()).has_value());
  EXPECT_FALSE(rt::cgroup_cpu_limit("", "", r.root()).has_value());
  EXPECT_FALSE(rt::cgroup_cpu_limit("0::/a\n", "no cgroup mounts here\n", r.root()).has_value());
  EXPECT_EQ(rt::gomaxprocs_for(4, std::nullopt), 4);
  EXPECT_EQ(rt::gomaxprocs_for(8, 7.2), 8);
  EXPECT_EQ(rt::gomaxprocs_for(8, 20.0), 8);
}

TEST(Gomaxprocs, TheDefaultIsTheCpuLimitOfThisProcess) {
  GOCXX_IN_FRESH_PROCESS({
    if (getenv("GOMAXPROCS") == nullptr) {
      int n = runtime::gomaxprocs(0);
      EXPECT_EQ(n, rt::cpu_default_gomaxprocs());
      EXPECT_GE(n, 1);
      EXPECT_LE(n, runtime::num_cpu());
    }
  });
}

// sched_setaffinity applies to one thread: set every thread's mask.
bool set_process_affinity(const cpu_set_t& mask) {
  bool ok = true;
  for (const auto& task : fs::directory_iterator("/proc/self/task")) {
    pid_t tid = std::stoi(task.path().filename().string());
    ok = sched_setaffinity(tid, sizeof mask, &mask) == 0 && ok;
  }
  return ok;
}

// sysmon re-reads the limit every second: narrowing the affinity mask lowers
// GOMAXPROCS, until the program sets GOMAXPROCS itself.
TEST(Gomaxprocs, FollowsTheAffinityMaskUntilTheProgramSetsIt) {
  cpu_set_t all;
  CPU_ZERO(&all);
  ASSERT_EQ(sched_getaffinity(0, sizeof all, &all), 0);
  if (CPU_COUNT(&all) < 2 || rt::cpu_default_gomaxprocs() < 2) {
    GTEST_SKIP() << "needs two usable CPUs";
  }
  GOCXX_IN_FRESH_PROCESS({
    unsetenv("GOMAXPROCS");
    run([&all] {
      int first = 0;
      while (!CPU_ISSET(first, &all)) first++;
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(first, &one);
      ASSERT_TRUE(set_process_affinity(one));
      EXPECT_TRUE(testing::eventually([] { return runtime::gomaxprocs(0) == 1; }, 20s))
          << runtime::gomaxprocs(0);
      runtime::gomaxprocs(3);  // the program's choice from now on
      ASSERT_TRUE(set_process_affinity(all));
      time::sleep(2500ms);  // two of sysmon's checks
      EXPECT_EQ(runtime::gomaxprocs(0), 3);
    });
  });
}

}  // namespace
}  // namespace gocxx
