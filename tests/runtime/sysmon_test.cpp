// sysmon: processors taken back from long blocking() calls, cooperative
// preemption of goroutines that run for 10 ms, timers of busy processors.
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "gocxx/gocxx.hpp"
#include "runtime/sanitizers.hpp"
#include "runtime/sched.hpp"
#include "test_util.hpp"

namespace gocxx {
namespace {

using namespace std::chrono_literals;
using testing::run_with_procs;

// Spins on the CPU for d without calling into gocxx.
void compute_for(std::chrono::nanoseconds d) {
  auto end = std::chrono::steady_clock::now() + d;
  volatile unsigned long sink = 0;
  while (std::chrono::steady_clock::now() < end) {
    for (int i = 0; i < 1000; i++) sink = sink + static_cast<unsigned long>(i);
  }
}

// While one goroutine sits (at least 2 s) in blocking(), 1,000 others on the only
// processor all run to completion: sysmon handed the processor to another thread.
// The blocking call ends only when they are done (or after a minute).
TEST(Sysmon, ABlockingCallDoesNotHoldTheOnlyProcessor) {
  run_with_procs(1, [] {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    std::atomic<bool> blocker_back{false};
    std::atomic<int> finished_while_blocked{0};
    auto start = time::now();
    auto started = make_chan<>();
    sync::WaitGroup blocker;
    blocker.go([&] {
      started.close();
      blocking([&] {
        pollfd pfd{fds[0], POLLIN, 0};
        (void)!poll(&pfd, 1, 60'000);
      });
      blocker_back = true;
    });
    started.recv();
    sync::WaitGroup workers;
    for (int i = 0; i < 1000; i++) {
      workers.go([&] {
        auto c = make_chan<int>(1);
        for (int k = 0; k < 10; k++) {
          c.send(k);
          c.recv();
          runtime::gosched();
        }
        if (!blocker_back.load()) finished_while_blocked++;
      });
    }
    workers.wait();
    time::sleep(time::sub(time::add(start, 2s), time::now()));
    (void)!write(fds[1], "x", 1);
    blocker.wait();
    EXPECT_GE(time::since(start), 2s);
    EXPECT_EQ(finished_while_blocked.load(), 1000);
    close(fds[0]);
    close(fds[1]);
  });
}

// A goroutine that loops for a second, calling into the runtime but never
// blocking, does not starve a ticker goroutine on the only processor.
TEST(Sysmon, ALoopThatCallsIntoTheRuntimeIsAskedToYield) {
  run_with_procs(1, [] {
    std::atomic<bool> stop{false};
    std::atomic<int> ticks{0};
    sync::WaitGroup wg;
    wg.go([&] {
      auto t = time::new_ticker(10ms);
      while (!stop.load()) {
        t.c.recv();
        ticks++;
      }
      t.stop();
    });
    wg.go([&] {
      auto c = make_chan<int>(1);
      auto end = time::add(time::now(), 1s);
      while (time::now() < end) {
        c.try_send(1);  // a runtime call that never blocks
        c.try_recv();
      }
      stop = true;
    });
    wg.wait();
    // About 100 ticks are due; Go's preemption would deliver nearly all. The loop
    // yields every 10 ms at worst, so a generous share must arrive.
    std::printf("ticks delivered while the loop ran: %d\n", ticks.load());
    EXPECT_GE(ticks.load(), 20);
  });
}

// Timers armed on a processor whose goroutine then keeps it busy (computing, or
// blocked in a plain system call) fire on time: sysmon runs them.
void expect_timer_on_time(void (*keep_busy)()) {
  run_with_procs(2, [keep_busy] {
    auto fired = make_chan<time::Duration>(3);
    sync::WaitGroup wg;
    wg.go([keep_busy, fired] {
      auto armed = time::now();
      time::after_func(10ms, [fired, armed] { fired.send(time::since(armed)); });
      auto ctx = context::with_timeout(context::background(), 10ms);
      context::after_func(ctx.first, [fired, armed] { fired.send(time::since(armed)); });
      keep_busy();
      ctx.second();
    });
    for (int i = 0; i < 2; i++) {
      time::Duration late = *fired.recv() - 10ms;
      std::printf("fired %.3f ms late\n", std::chrono::duration<double, std::milli>(late).count());
      EXPECT_GE(late, 0ms);
      EXPECT_LT(late, 200ms) << "a timer waited for its busy processor";
    }
    wg.wait();
  });
}

TEST(Sysmon, TimersOfAComputingProcessorFireOnTime) {
  expect_timer_on_time([] { compute_for(1s); });
}

TEST(Sysmon, TimersOfAProcessorBlockedInAPlainSystemCallFireOnTime) {
  expect_timer_on_time([] {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    std::thread writer([&] {
      std::this_thread::sleep_for(1s);
      (void)!write(fds[1], "x", 1);
    });
    char ch;
    (void)!read(fds[0], &ch, 1);  // not in blocking(): the thread and its P are stuck
    writer.join();
    close(fds[0]);
    close(fds[1]);
  });
}

int thread_count() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

// Threads in blocking() are not counted against GOMAXPROCS: each long call gets its
// processor taken and a new thread runs the rest. Idle threads are kept for reuse,
// and end once nobody has needed them for a while (60 s; 200 ms here).
TEST(Threads, BlockedThreadsAreNotCountedAndIdleOnesEnd) {
  GOCXX_IN_FRESH_PROCESS(run([] {
    rt::set_idle_thread_keep_ns(200'000'000);
    runtime::gomaxprocs(1);
    int before = thread_count();
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    sync::WaitGroup wg;
    std::atomic<int> inside{0};
    for (int i = 0; i < 8; i++) {
      wg.go([&] {
        blocking([&] {
          inside++;
          pollfd pfd{fds[0], POLLIN, 0};
          (void)!poll(&pfd, 1, 60'000);
        });
      });
    }
    // All 8 are in their calls at once although GOMAXPROCS is 1.
    EXPECT_TRUE(testing::eventually([&] { return inside.load() == 8; }));
    int busy = thread_count();
    EXPECT_GE(busy, before + 7);
    (void)!write(fds[1], "x", 1);  // readable for everyone (nobody reads it)
    wg.wait();
    EXPECT_TRUE(testing::eventually([&] { return thread_count() <= before + 1; }, 20s))
        << thread_count() << " threads, " << before << " before";
    close(fds[0]);
    close(fds[1]);
  }));
}

}  // namespace
}  // namespace gocxx
