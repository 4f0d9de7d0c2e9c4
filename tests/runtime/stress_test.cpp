// Bounded stress of the scheduler: many goroutines, random schedules, checksums
// proving nothing is lost or run twice. Every loop is bounded in count; the
// sanitizer builds run smaller counts.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "runtime/sanitizers.hpp"
#include "test_util.hpp"

using namespace gocxx;
using gocxx::testing::run_with_procs;

namespace {
constexpr int scaled(int n) {
  return rt::kUnderSanitizer ? n / 10 : n;
}
}  // namespace

TEST(SchedulerStress, ATreeOfSpawnsRunsEveryGoroutineOnce) {
  for (auto policy : {runtime::SpawnPolicy::child_first, runtime::SpawnPolicy::parent_first}) {
    runtime::set_spawn_policy(policy);
    run_with_procs(2, [] {
      // Each goroutine spawns `fanout` children down to `depth`, and reports its
      // own id once; the sum of the reports is checked against the tree size.
      constexpr int kDepth = 6;
      constexpr int kFanout = 6;
      std::atomic<long> ran{0};
      std::atomic<long> id_sum{0};
      sync::WaitGroup wg;
      std::function<void(int, long)> node = [&](int depth, long id) {
        ran.fetch_add(1);
        id_sum.fetch_add(id);
        if (depth < kDepth) {
          for (int i = 0; i < kFanout; ++i) {
            wg.add(1);
            go([&, depth, id, i] {
              node(depth + 1, id * kFanout + i + 1);
              wg.done();
            });
          }
        }
      };
      wg.add(1);
      go([&] {
        node(0, 0);
        wg.done();
      });
      wg.wait();
      long nodes = 0;
      long expected_sum = 0;
      // Ids of a complete kFanout-ary tree numbered in heap order: 0 .. nodes-1.
      for (int d = 0, width = 1; d <= kDepth; ++d, width *= kFanout) nodes += width;
      expected_sum = nodes * (nodes - 1) / 2;
      EXPECT_EQ(ran.load(), nodes);
      EXPECT_EQ(id_sum.load(), expected_sum);
    });
  }
  runtime::set_spawn_policy(runtime::SpawnPolicy::child_first);
}

TEST(SchedulerStress, RandomYieldsAndBlocksUnderChangingGomaxprocs) {
  int old = runtime::gomaxprocs(0);
  run([] {
    constexpr int kWorkers = 64;
    const int kRounds = scaled(2000);
    auto tokens = make_chan<long>(16);
    std::atomic<long> sent{0};
    std::atomic<bool> stop_flipping{false};
    sync::WaitGroup flipper;
    flipper.go([&] {
      // Change the number of processors under load, as a user may at any time.
      int n = 1;
      while (!stop_flipping.load()) {
        runtime::gomaxprocs(n);
        n = n % 4 + 1;
        runtime::gosched();
      }
    });
    sync::WaitGroup producers;
    for (int w = 0; w < kWorkers; ++w) {
      producers.go([&, w] {
        std::mt19937 rng(static_cast<unsigned>(w));
        for (int i = 0; i < kRounds; ++i) {
          long v = static_cast<long>(w) * kRounds + i;
          switch (rng() % 3) {
            case 0:
              runtime::gosched();
              break;
            case 1:
              tokens.send(v);
              sent.fetch_add(v);
              continue;
            default:
              break;
          }
          tokens.send(v);
          sent.fetch_add(v);
        }
      });
    }
    long received = 0;
    long count = 0;
    go([&] {
      producers.wait();
      tokens.close();
    });
    for (long v : tokens) {
      received += v;
      ++count;
    }
    stop_flipping = true;
    flipper.wait();
    EXPECT_EQ(received, sent.load());
    EXPECT_EQ(count, static_cast<long>(kWorkers) * kRounds);
  });
  runtime::gomaxprocs(old);
}

TEST(SchedulerStress, PlainThreadsAndGoroutinesShareChannels) {
  run_with_procs(2, [] {
    constexpr int kThreads = 4;
    const int kPerThread = scaled(20000);
    auto to_goroutines = make_chan<int>();
    auto to_threads = make_chan<int>(8);
    // Goroutines echo every value back; plain threads send and receive.
    sync::WaitGroup echoes;
    for (int i = 0; i < 8; ++i) {
      echoes.go([=] {
        for (int v : to_goroutines) to_threads.send(v);
      });
    }
    std::atomic<long> got{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) to_goroutines.send(t * kPerThread + i);
      });
      threads.emplace_back([&] {
        for (int i = 0; i < kPerThread; ++i) got.fetch_add(*to_threads.recv());
      });
    }
    for (auto& th : threads) th.join();
    to_goroutines.close();
    echoes.wait();
    long n = static_cast<long>(kThreads) * kPerThread;
    EXPECT_EQ(got.load(), n * (n - 1) / 2);
  });
}
