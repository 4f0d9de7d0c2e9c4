// gocxx::go and gocxx::run: starting goroutines, arguments, results, ids.
#include <gtest/gtest.h>

#include <sched.h>

#include <array>
#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "test_util.hpp"

using namespace gocxx;
using gocxx::testing::eventually;

TEST(Go, RunsTheFunctionInAGoroutine) {
  run([] {
    auto done = make_chan<uint64_t>();
    go([done] { done.send(runtime::goroutine_id()); });
    uint64_t child = *done.recv();
    EXPECT_NE(child, 0u);
    EXPECT_NE(child, runtime::goroutine_id());
  });
}

TEST(Go, DecayCopiesTheCallableAndArguments) {
  run([] {
    auto out = make_chan<std::string>(1);
    std::string s = "hello";
    go([out](std::string v) { out.send(v + "!"); }, s);
    s = "changed";
    EXPECT_EQ(*out.recv(), "hello!");
  });
}

TEST(Go, AcceptsMoveOnlyArguments) {
  run([] {
    auto out = make_chan<int>(1);
    auto p = std::make_unique<int>(42);
    go([out](std::unique_ptr<int> q) { out.send(*q); }, std::move(p));
    EXPECT_EQ(*out.recv(), 42);
  });
}

TEST(Go, AcceptsLargeCaptures) {
  run([] {
    auto out = make_chan<long>(1);
    std::array<long, 64> big{};
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<long>(i);
    go([out, big] {
      long sum = 0;
      for (long v : big) sum += v;
      out.send(sum);
    });
    EXPECT_EQ(*out.recv(), 63 * 64 / 2);
  });
}

void plain_function(Chan<int> out, int v) {
  out.send(v * 2);
}

TEST(Go, AcceptsAPlainFunction) {
  run([] {
    auto out = make_chan<int>(1);
    go(plain_function, out, 21);
    EXPECT_EQ(*out.recv(), 42);
  });
}

TEST(Run, ReturnsTheMainResult) {
  EXPECT_EQ(run([] { return 7; }), 7);
  EXPECT_EQ(run([] {}), 0);
}

TEST(Run, MayBeCalledFromAGoroutine) {
  int inner = run([] { return run([] { return 5; }) + 1; });
  EXPECT_EQ(inner, 6);
}

TEST(Run, TheFirstMainIsGoroutineOne) {
  // A fresh process: the first run()'s main goroutine has id 1 ("goroutine 1").
  GOCXX_IN_FRESH_PROCESS(
      EXPECT_EQ(run([] { return static_cast<int>(runtime::goroutine_id()); }), 1));
}

TEST(Go, GoroutineIdsAreUniqueAndZeroOutside) {
  EXPECT_EQ(runtime::goroutine_id(), 0u);
  run([] {
    constexpr int kN = 2000;
    auto ids = make_chan<uint64_t>(kN);
    sync::WaitGroup wg;
    for (int i = 0; i < kN; ++i) {
      wg.go([ids] { ids.send(runtime::goroutine_id()); });
    }
    wg.wait();
    ids.close();
    std::set<uint64_t> seen;
    for (uint64_t id : ids) {
      EXPECT_NE(id, 0u);
      EXPECT_TRUE(seen.insert(id).second) << "duplicate id " << id;
    }
    EXPECT_EQ(seen.size(), static_cast<size_t>(kN));
  });
}

TEST(Go, WorksBeforeRunFromAPlainThread) {
  // `go` starts the runtime lazily; a plain thread can wait on the goroutine.
  auto done = make_chan<int>();
  go([done] { done.send(9); });
  EXPECT_EQ(*done.recv(), 9);
}

TEST(Runtime, NumGoroutineCountsLiveGoroutines) {
  GOCXX_IN_FRESH_PROCESS(run([] {
    EXPECT_EQ(runtime::num_goroutine(), 1);  // main
    constexpr int kN = 100;
    auto release = make_chan<>();
    sync::WaitGroup started;
    sync::WaitGroup finished;
    for (int i = 0; i < kN; ++i) {
      started.add(1);
      finished.add(1);
      go([&, release] {
        started.done();
        release.recv();
        finished.done();
      });
    }
    started.wait();
    EXPECT_EQ(runtime::num_goroutine(), 1 + kN);
    release.close();
    finished.wait();
    // Counted down as each goroutine returns to the runtime, just after done().
    EXPECT_TRUE(eventually([&] { return runtime::num_goroutine() == 1; }));
  }));
}

TEST(Runtime, GoexitRunsDestructorsAndEndsOnlyThatGoroutine) {
  run([] {
    auto events = make_chan<std::string>(4);
    auto done = make_chan<>();
    go([events, done] {
      struct Guard {
        Chan<std::string> ev;
        Chan<> d;
        ~Guard() {
          ev.send("destructor");
          d.close();
        }
      } guard{events, done};
      events.send("before");
      runtime::goexit();
      events.send("after");  // never reached
    });
    done.recv();
    events.close();
    std::vector<std::string> got;
    for (auto& e : events) got.push_back(e);
    EXPECT_EQ(got, (std::vector<std::string>{"before", "destructor"}));
  });
}

TEST(Runtime, NumCpuIsTheAffinityCount) {
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
  EXPECT_EQ(runtime::num_cpu(), CPU_COUNT(&set));
}

TEST(Runtime, StackShowsTheCallerAndOtherGoroutines) {
  run([] {
    auto block = make_chan<>();
    auto started = make_chan<>();
    go([block, started] {
      started.close();
      block.recv();
    });
    started.recv();
    EXPECT_TRUE(eventually(
        [] { return runtime::stack(true).find("[chan receive]:") != std::string::npos; }));
    std::string mine = runtime::stack(false);
    EXPECT_NE(mine.find("goroutine " + std::to_string(runtime::goroutine_id()) + " [running]:"),
              std::string::npos)
        << mine;
    std::string all = runtime::stack(true);
    EXPECT_NE(all.find("[chan receive]:"), std::string::npos) << all;
    block.close();
  });
}
