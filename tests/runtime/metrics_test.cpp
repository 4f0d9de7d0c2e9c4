// metrics::read: Go 1.26's names, and values that follow what the program does.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "gocxx/gocxx.hpp"
#include "test_util.hpp"

using namespace gocxx;
using gocxx::testing::eventually;

namespace {

std::map<std::string, double> read_metrics() {
  std::map<std::string, double> m;
  for (const metrics::Sample& s : metrics::read()) m[s.name] = s.value;
  return m;
}

}  // namespace

TEST(Metrics, ReadNamesEverySchedulerMetricAsGoDoes) {
  std::vector<std::string> names;
  for (const metrics::Sample& s : metrics::read()) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{
                       "/sched/goroutines/running:goroutines",
                       "/sched/goroutines/runnable:goroutines",
                       "/sched/goroutines/waiting:goroutines",
                       "/sched/goroutines/not-in-go:goroutines",
                       "/sched/goroutines-created:goroutines",
                       "/sched/threads/total:threads",
                       "/sched/gomaxprocs:threads",
                       "/sched/latencies:seconds",
                       "/sched/latencies-p99:seconds",
                   }));
}

TEST(Metrics, CountsFollowTheGoroutines) {
  run([] {
    auto ch = make_chan<int>();
    std::map<std::string, double> before = read_metrics();
    constexpr int kParked = 10;
    for (int i = 0; i < kParked; ++i) go([ch] { ch.recv(); });
    ASSERT_TRUE(eventually([&] {
      return read_metrics()["/sched/goroutines/waiting:goroutines"] >=
             before["/sched/goroutines/waiting:goroutines"] + kParked;
    }));
    std::map<std::string, double> now = read_metrics();
    EXPECT_EQ(now["/sched/goroutines-created:goroutines"] -
                  before["/sched/goroutines-created:goroutines"],
              kParked);
    EXPECT_GE(now["/sched/goroutines/running:goroutines"], 1);  // this one
    EXPECT_EQ(now["/sched/gomaxprocs:threads"], runtime::gomaxprocs(0));
    EXPECT_GE(now["/sched/threads/total:threads"], 2);  // an M and sysmon at least
    double total =
        now["/sched/goroutines/running:goroutines"] + now["/sched/goroutines/runnable:goroutines"] +
        now["/sched/goroutines/waiting:goroutines"] + now["/sched/goroutines/not-in-go:goroutines"];
    EXPECT_EQ(total, static_cast<double>(runtime::num_goroutine()));
    ch.close();
  });
}

// A ping-pong readies a goroutine on every message: enough readies for samples.
TEST(Metrics, SchedulingLatencyIsSampled) {
  run([] {
    auto ping = make_chan<int>(), pong = make_chan<int>();
    go([ping, pong] {
      for (int v : ping) pong.send(v);
    });
    for (int i = 0; i < 4000; ++i) {
      ping.send(i);
      pong.recv();
    }
    ping.close();
    std::map<std::string, double> m = read_metrics();
    EXPECT_GT(m["/sched/latencies:seconds"], 0);
    EXPECT_LT(m["/sched/latencies:seconds"], 10);  // generous: a loaded CI machine
    EXPECT_GT(m["/sched/latencies-p99:seconds"], 0);
    EXPECT_LT(m["/sched/latencies-p99:seconds"], 20);
  });
}
