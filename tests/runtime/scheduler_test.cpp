// The scheduler: GOMAXPROCS, gosched, spawn policies and the tutorial's traces,
// starvation protection, lock_os_thread.
#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "runtime/clock.hpp"
#include "runtime/sched.hpp"
#include "test_util.hpp"

using namespace gocxx;
using gocxx::testing::eventually;
using gocxx::testing::run_with_procs;

namespace {

// Restores the spawn policy a test changes.
class PolicyScope {
 public:
  explicit PolicyScope(runtime::SpawnPolicy p) : old_(runtime::spawn_policy()) {
    runtime::set_spawn_policy(p);
  }
  ~PolicyScope() { runtime::set_spawn_policy(old_); }

 private:
  runtime::SpawnPolicy old_;
};

}  // namespace

TEST(Gomaxprocs, DefaultsToNumCpuAndReturnsThePreviousValue) {
  GOCXX_IN_FRESH_PROCESS({
    unsetenv("GOMAXPROCS");
    EXPECT_EQ(runtime::gomaxprocs(0), runtime::num_cpu());
    int old = runtime::gomaxprocs(2);
    EXPECT_EQ(old, runtime::num_cpu());
    EXPECT_EQ(runtime::gomaxprocs(0), 2);
    EXPECT_EQ(runtime::gomaxprocs(-1), 2);
    EXPECT_EQ(runtime::gomaxprocs(3), 2);
    EXPECT_EQ(runtime::gomaxprocs(0), 3);
  });
}

TEST(Gomaxprocs, ReadsTheEnvironment) {
  GOCXX_IN_FRESH_PROCESS({
    setenv("GOMAXPROCS", "3", 1);
    EXPECT_EQ(runtime::gomaxprocs(0), 3);
  });
}

TEST(Gomaxprocs, QueryIsStable) {
  int a = runtime::gomaxprocs(0);
  int b = runtime::gomaxprocs(0);
  EXPECT_EQ(a, b);
}

TEST(Gosched, LetsAnotherGoroutineRunOnOneProcessor) {
  run_with_procs(1, [] {
    std::atomic<bool> ran{false};
    go([&ran] { ran = true; });
    // Under child_first the child already ran; under parent_first it waits in
    // runnext until we yield.
    EXPECT_TRUE(eventually([&] { return ran.load(); }));
  });
}

TEST(Gosched, AlternatesTwoYieldingGoroutinesOnOneProcessor) {
  run_with_procs(1, [] {
    std::vector<int> order;
    std::mutex mu;  // held only between yields
    sync::WaitGroup wg;
    for (int id = 0; id < 2; ++id) {
      wg.go([&, id] {
        for (int i = 0; i < 5; ++i) {
          {
            std::lock_guard<std::mutex> l(mu);
            order.push_back(id);
          }
          runtime::gosched();
        }
      });
    }
    wg.wait();
    ASSERT_EQ(order.size(), 10u);
    int switches = 0;
    for (size_t i = 1; i < order.size(); ++i) switches += order[i] != order[i - 1];
    EXPECT_GE(switches, 5) << "gosched should let the other goroutine in";
  });
}

TEST(SpawnPolicy, ChildFirstRunsTheChildBeforeTheParentContinues) {
  PolicyScope policy(runtime::SpawnPolicy::child_first);
  run_with_procs(1, [] {
    std::vector<std::string> log;
    auto done = make_chan<>();
    go([&log, done] {
      log.push_back("child");
      done.close();
    });
    log.push_back("parent");
    done.recv();
    EXPECT_EQ(log, (std::vector<std::string>{"child", "parent"}));
  });
}

TEST(SpawnPolicy, ParentFirstContinuesTheParentAsGoDoes) {
  PolicyScope policy(runtime::SpawnPolicy::parent_first);
  run_with_procs(1, [] {
    std::vector<std::string> log;
    auto done = make_chan<>();
    go([&log, done] {
      log.push_back("child");
      done.close();
    });
    log.push_back("parent");
    done.recv();
    EXPECT_EQ(log, (std::vector<std::string>{"parent", "child"}));
  });
}

// The tutorial's single-thread fib(4) walkthrough (并发运行时): with one processor and
// continuation stealing, at each blocking point the processor's deque holds exactly
// the continuations the tutorial's tables list.
namespace {

struct TraceEntry {
  std::string who;
  int point;
  std::vector<std::string> deque;  // head first
};

struct FibTrace {
  std::map<uint64_t, std::string> names;
  std::vector<TraceEntry> entries;

  void name_me(const std::string& name) { names[runtime::goroutine_id()] = name; }
  void at(const std::string& who, int point) {
    uint64_t ids[64];
    int n = 0;
    uint64_t runnext = 0;
    ASSERT_TRUE(rt::debug_local_queue(ids, 64, &n, &runnext));
    TraceEntry e{who, point, {}};
    for (int i = 0; i < n; ++i) e.deque.push_back(names.count(ids[i]) ? names[ids[i]] : "?");
    entries.push_back(e);
  }
};

// fib(n) as in the tutorial: every call is a goroutine answering on its own channel.
// `name` follows the tutorial: fib4, fib3, fib32 (fib3's fib(2)), fib1, fib42.
RecvChan<int> traced_fib(FibTrace* t, int n, std::string name) {
  auto result = make_chan<int>();
  go([t, n, name, result] {
    t->name_me(name);
    if (n <= 2) {
      t->at(name, 2);
      result.send(1);  // blocking point 2
      result.close();
      return;
    }
    std::string child1 = n == 4 ? "fib3" : "fib32";
    std::string child2 = n == 4 ? "fib42" : "fib1";
    int a = *traced_fib(t, n - 1, child1).recv();  // blocking point 3
    int b = *traced_fib(t, n - 2, child2).recv();  // blocking point 4
    t->at(name, 5);
    result.send(a + b);  // blocking point 5
    result.close();
  });
  return result;
}

}  // namespace

TEST(TutorialTrace, SingleThreadFib4MatchesTheTutorial) {
  PolicyScope policy(runtime::SpawnPolicy::child_first);
  run_with_procs(1, [] {
    FibTrace t;
    t.name_me("main");
    int v = *traced_fib(&t, 4, "fib4").recv();  // blocking point 1
    EXPECT_EQ(v, 3);
    using D = std::vector<std::string>;
    // The tutorial's six tables, one entry per goroutine reaching its blocking point.
    ASSERT_EQ(t.entries.size(), 5u);
    EXPECT_EQ(t.entries[0].who, "fib32");  // fib32 at point 2 waits for fib3
    EXPECT_EQ(t.entries[0].deque, (D{"main", "fib4", "fib3"}));
    EXPECT_EQ(t.entries[1].who, "fib1");  // fib1 at point 2 waits for fib3
    EXPECT_EQ(t.entries[1].deque, (D{"main", "fib4", "fib3"}));
    EXPECT_EQ(t.entries[2].who, "fib3");  // fib3 at point 5 waits for fib4
    EXPECT_EQ(t.entries[2].deque, (D{"main", "fib4"}));
    EXPECT_EQ(t.entries[3].who, "fib42");  // fib42 at point 2 waits for fib4
    EXPECT_EQ(t.entries[3].deque, (D{"main", "fib4"}));
    EXPECT_EQ(t.entries[4].who, "fib4");  // fib4 at point 5 waits for main
    EXPECT_EQ(t.entries[4].deque, (D{"main"}));
    // Under continuation stealing the deque never held more than three entries
    // (the tutorial's point against stealing children, E85).
    for (const auto& e : t.entries) EXPECT_LE(e.deque.size(), 3u);
  });
}

TEST(Starvation, AGoroutinePassedOverTooLongRunsFirst) {
  // One processor, child_first: a goroutine that keeps spawning children would
  // starve the continuation at the head of the deque under pure LIFO.
  PolicyScope policy(runtime::SpawnPolicy::child_first);
  run_with_procs(1, [] {
    std::atomic<bool> victim_ran{false};
    auto done = make_chan<>();
    go([&victim_ran, done] {
      // Our parent's continuation (the victim side) sits at the head of the deque
      // while we spawn: each spawn pushes us at the tail and runs the child.
      int spawned = 0;
      while (!victim_ran.load() && spawned < 1'000'000) {
        go([] {});
        ++spawned;
      }
      // It runs once it has waited a scheduling quantum (10 ms): far fewer than a
      // million spawns even on a slow machine.
      EXPECT_TRUE(victim_ran.load()) << "starved after " << spawned << " spawns";
      done.close();
    });
    victim_ran = true;  // the parent continuation runs only if it is not starved
    done.recv();
  });
}

TEST(Starvation, TheGlobalQueueIsPolledWhileAPairPingPongs) {
  // A ping-pong pair hands the processor back and forth through runnext forever;
  // a goroutine made runnable from a plain thread lands in the global queue and
  // must still run.
  run_with_procs(1, [] {
    std::atomic<bool> stop{false};
    auto a = make_chan<int>();
    auto b = make_chan<int>();
    sync::WaitGroup pair;
    pair.go([&] {
      while (!stop.load()) {
        a.send(1);
        b.recv();
      }
      a.close();
    });
    pair.go([&] {
      for (int v : a) b.send(v);
    });
    std::thread outsider([&stop] {
      // `go` from a plain thread: the global queue.
      auto ran = make_chan<>();
      go([ran] { ran.close(); });
      ran.recv();
      stop = true;
    });
    // join() blocks this OS thread: hand the processor over meanwhile.
    blocking([&] { outsider.join(); });
    pair.wait();
  });
}

TEST(LockOsThread, PinsTheGoroutineAndKeepsOthersOff) {
  run_with_procs(2, [] {
    auto ping = make_chan<int>();
    auto pong = make_chan<int>();
    std::atomic<pthread_t> locked_thread{};
    std::atomic<bool> violated{false};
    std::atomic<bool> done{false};
    sync::WaitGroup wg;
    wg.go([&] {
      runtime::lock_os_thread();
      locked_thread = pthread_self();
      for (int i = 0; i < 200; ++i) {
        ping.send(i);
        EXPECT_EQ(*pong.recv(), i);
        EXPECT_TRUE(pthread_equal(pthread_self(), locked_thread.load()));
      }
      runtime::unlock_os_thread();
      done = true;
      ping.close();
    });
    // Peers that would happily run on any thread: none may run on the locked one
    // while it is locked.
    for (int k = 0; k < 4; ++k) {
      wg.go([&] {
        while (!done.load()) {
          if (pthread_equal(pthread_self(), locked_thread.load()) && !done.load()) violated = true;
          runtime::gosched();
        }
      });
    }
    for (int v : ping) pong.send(v);
    wg.wait();
    EXPECT_FALSE(violated.load());
  });
}

TEST(Blocking, OtherGoroutinesRunWhileOneBlocksInASystemCall) {
  run_with_procs(1, [] {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    std::atomic<long> progress{0};
    auto reader_done = make_chan<>();
    go([&] {
      char c = 0;
      ssize_t n = blocking([&] { return read(fds[0], &c, 1); });
      EXPECT_EQ(n, 1);
      EXPECT_EQ(c, 'x');
      reader_done.close();
    });
    // With one processor, this loop only runs because the reader gave its
    // processor away while it sat in read().
    EXPECT_TRUE(eventually([&] { return ++progress > 1000; }));
    ASSERT_EQ(write(fds[1], "x", 1), 1);
    reader_done.recv();
    close(fds[0]);
    close(fds[1]);
  });
}

namespace {

rt::G* find_g(std::uint64_t id) {
  rt::Sched& s = rt::sched();
  rt::LockGuard guard(s.allg_lock);
  for (rt::G* g = s.allg; g != nullptr; g = g->all_link) {
    if (g->id == id) return g;
  }
  return nullptr;
}

}  // namespace

// Go's header says how long a goroutine has waited once it is a minute or more:
// "goroutine 7 [chan receive, 3 minutes]:". The park stamp is moved back rather
// than waiting three minutes.
TEST(Traceback, AGoroutineParkedForMinutesSaysHowMany) {
  gocxx::run([] {
    auto ch = make_chan<int>();
    auto id = make_chan<std::uint64_t>(1);
    go([ch, id] {
      id.send(runtime::goroutine_id());
      ch.recv();
    });
    std::uint64_t gid = *id.recv();
    rt::G* g = find_g(gid);
    ASSERT_NE(g, nullptr);
    ASSERT_TRUE(eventually([&] {
      return g->status.load(std::memory_order_acquire) == rt::GStatus::waiting &&
             std::string(static_cast<const char*>(g->wait_reason)) == "chan receive";
    }));
    std::string header = "goroutine " + std::to_string(gid) + " [chan receive";
    std::string fresh = runtime::stack(true);
    EXPECT_NE(fresh.find(header + "]:\n"), std::string::npos) << fresh;
    // sysmon stamps a parked goroutine within about a second.
    EXPECT_TRUE(eventually([&] {
      return static_cast<std::uint64_t>(g->wait_since_gen) ==
             static_cast<std::uint64_t>(g->park_gen);
    }));
    g->wait_since = rt::nanotime() - (3 * 60 + 5) * std::int64_t{1'000'000'000};
    std::string old = runtime::stack(true);
    EXPECT_NE(old.find(header + ", 3 minutes]:\n"), std::string::npos) << old;
    ch.close();
  });
}
