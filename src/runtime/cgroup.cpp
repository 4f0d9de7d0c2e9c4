// GOMAXPROCS's default as Go 1.25 sets it: the smaller of the CPUs this process
// may run on (its affinity mask) and its cgroup CPU limit (cgroup v2 cpu.max, or
// v1 cpu.cfs_quota_us / cpu.cfs_period_us, the smallest over the cgroup and its
// ancestors), rounded up and at least 2 when a limit applies. Files that cannot be
// read count as no limit.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "sched.hpp"

namespace gocxx::rt {

namespace {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); i++) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

// cpu.max: "max 100000" (no limit) or "<quota> <period>".
std::optional<double> parse_cpu_max(const std::string& text) {
  std::istringstream in(text);
  std::string quota;
  long long period = 0;
  if (!(in >> quota >> period) || quota == "max" || period <= 0) return std::nullopt;
  char* end = nullptr;
  long long q = std::strtoll(quota.c_str(), &end, 10);
  if (end == quota.c_str() || q <= 0) return std::nullopt;
  return static_cast<double>(q) / static_cast<double>(period);
}

std::optional<double> parse_v1(const std::optional<std::string>& quota,
                               const std::optional<std::string>& period) {
  if (!quota || !period) return std::nullopt;
  long long q = std::atoll(quota->c_str());
  long long p = std::atoll(period->c_str());
  if (q <= 0 || p <= 0) return std::nullopt;  // -1: no limit
  return static_cast<double>(q) / static_cast<double>(p);
}

struct Mount {
  std::string root;   // the part of the hierarchy mounted
  std::string point;  // where
};

// The mount of the cgroup hierarchy: v2 (fstype cgroup2), or v1 with the cpu
// controller among its options.
std::optional<Mount> find_mount(std::string_view mountinfo, bool v2) {
  for (std::string_view line : split(mountinfo, '\n')) {
    std::vector<std::string_view> f = split(line, ' ');
    std::size_t dash = 0;
    while (dash < f.size() && f[dash] != "-") dash++;
    if (f.size() < 5 || dash + 1 >= f.size()) continue;
    std::string_view fstype = f[dash + 1];
    if (v2) {
      if (fstype != "cgroup2") continue;
    } else {
      if (fstype != "cgroup" || dash + 3 >= f.size()) continue;
      bool cpu = false;
      for (std::string_view opt : split(f[dash + 3], ',')) cpu = cpu || opt == "cpu";
      if (!cpu) continue;
    }
    return Mount{std::string(f[3]), std::string(f[4])};
  }
  return std::nullopt;
}

// The directory of the cgroup at `path` (as /proc/self/cgroup names it) under m.
std::string cgroup_dir(const Mount& m, std::string path) {
  if (m.root != "/" && path.rfind(m.root, 0) == 0) path = path.substr(m.root.size());
  if (path == "/") path.clear();
  return m.point + path;
}

// The smallest limit from dir up to (and including) the mount point.
template <class Read>
std::optional<double> smallest_up(std::string dir, const std::string& top, Read read) {
  std::optional<double> best;
  for (;;) {
    if (std::optional<double> l = read(dir)) {
      if (!best || *l < *best) best = l;
    }
    if (dir.size() <= top.size()) break;
    std::size_t slash = dir.rfind('/');
    if (slash == std::string::npos || slash < top.size()) break;
    dir = dir.substr(0, slash);
    if (dir.size() < top.size()) dir = top;
  }
  return best;
}

}  // namespace

std::optional<double> cgroup_cpu_limit(std::string_view proc_cgroup, std::string_view mountinfo,
                                       const std::string& fs_root) {
  std::optional<double> best;
  for (std::string_view line : split(proc_cgroup, '\n')) {
    std::vector<std::string_view> f = split(line, ':');
    if (f.size() < 3) continue;
    std::string path(line.substr(f[0].size() + f[1].size() + 2));
    std::optional<double> limit;
    if (f[0] == "0" && f[1].empty()) {  // v2
      std::optional<Mount> m = find_mount(mountinfo, true);
      if (!m) continue;
      limit = smallest_up(fs_root + cgroup_dir(*m, path), fs_root + m->point,
                          [](const std::string& dir) -> std::optional<double> {
                            std::optional<std::string> t = read_file(dir + "/cpu.max");
                            return t ? parse_cpu_max(*t) : std::nullopt;
                          });
    } else {
      bool cpu = false;
      for (std::string_view c : split(f[1], ',')) cpu = cpu || c == "cpu";
      if (!cpu) continue;
      std::optional<Mount> m = find_mount(mountinfo, false);
      if (!m) continue;
      limit = smallest_up(fs_root + cgroup_dir(*m, path), fs_root + m->point,
                          [](const std::string& dir) {
                            return parse_v1(read_file(dir + "/cpu.cfs_quota_us"),
                                            read_file(dir + "/cpu.cfs_period_us"));
                          });
    }
    if (limit && (!best || *limit < *best)) best = limit;
  }
  return best;
}

int gomaxprocs_for(int ncpu, std::optional<double> limit) noexcept {
  int n = ncpu;
  if (limit) {
    double up = std::ceil(*limit);
    int l = up >= kMaxProcs ? kMaxProcs : static_cast<int>(up);
    if (l < 2) l = 2;
    n = std::min(n, l);
  }
  return std::clamp(n, 1, kMaxProcs);
}

int cpu_default_gomaxprocs() noexcept {
  std::optional<std::string> cg = read_file("/proc/self/cgroup");
  std::optional<std::string> mi = read_file("/proc/self/mountinfo");
  std::optional<double> limit;
  if (cg && mi) limit = cgroup_cpu_limit(*cg, *mi, "");
  return gomaxprocs_for(num_cpu_impl(), limit);
}

}  // namespace gocxx::rt
