// sync::Cond, after Go's sync/cond_test.go and the tutorial's E19 semantics.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <thread>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "test_util.hpp"

using namespace gocxx;
using namespace std::chrono_literals;
using gocxx::testing::eventually;
using gocxx::testing::run_with_procs;

TEST(Cond, SignalWithoutWaitersIsLost) {
  sync::Mutex mu;
  sync::Cond cond(mu);
  cond.signal();
  cond.broadcast();
  // A later waiter is not woken by the earlier signal: it needs a new one.
  run([&] {
    std::atomic<bool> woke{false};
    bool entered = false;
    auto done = make_chan<>();
    go([&] {
      mu.lock();
      entered = true;
      cond.wait();
      woke = true;
      mu.unlock();
      done.close();
    });
    // Once the waiter is inside wait(), the mutex is free again.
    ASSERT_TRUE(eventually([&] {
      std::lock_guard<sync::Mutex> g(mu);
      return entered;
    }));
    for (int i = 0; i < 50; ++i) runtime::gosched();
    EXPECT_FALSE(woke.load());
    cond.signal();
    done.recv();
    EXPECT_TRUE(woke.load());
  });
}

// Go's TestCondSignal: each waiter is signalled in turn and wait() returns with
// the lock held.
TEST(Cond, WaitReturnsWithTheLockHeld) {
  run_with_procs(2, [] {
    sync::Mutex mu;
    sync::Cond cond(mu);
    constexpr int kWaiters = 8;
    int waiting = 0;
    int woken = 0;
    auto awake = make_chan<int>(kWaiters);
    for (int i = 0; i < kWaiters; ++i) {
      go([&, i] {
        mu.lock();
        ++waiting;
        cond.wait();
        EXPECT_FALSE(mu.try_lock()) << "wait() returned without the lock";
        ++woken;
        mu.unlock();
        awake.send(i);
      });
    }
    ASSERT_TRUE(eventually([&] {
      std::lock_guard<sync::Mutex> g(mu);
      return waiting == kWaiters;
    }));
    for (int i = 0; i < kWaiters; ++i) {
      cond.signal();  // without holding the lock: allowed
      awake.recv();
    }
    std::lock_guard<sync::Mutex> g(mu);
    EXPECT_EQ(woken, kWaiters);
  });
}

// E19/Go's TestCondSignalOrder... a FIFO: waiters wake in the order they waited.
TEST(Cond, SignalWakesTheLongestWaiterFirst) {
  for (int procs : {1, 2}) {
    run_with_procs(procs, [] {
      sync::Mutex mu;
      sync::Cond cond(mu);
      constexpr int kWaiters = 10;
      int entered = 0;
      auto order = make_chan<int>(kWaiters);
      for (int i = 0; i < kWaiters; ++i) {
        go([&, i] {
          mu.lock();
          ++entered;
          cond.wait();
          mu.unlock();
          order.send(i);
        });
        // The next waiter starts only once this one is inside wait(): it released
        // the lock after counting itself.
        ASSERT_TRUE(eventually([&] {
          std::lock_guard<sync::Mutex> g(mu);
          return entered == i + 1;
        }));
      }
      for (int i = 0; i < kWaiters; ++i) {
        mu.lock();
        cond.signal();
        mu.unlock();
        EXPECT_EQ(*order.recv(), i);
      }
    });
  }
}

// Go's TestCondBroadcast: every waiter wakes, repeatedly, and each round's waiters
// only by that round's broadcast.
TEST(Cond, BroadcastWakesEveryWaiter) {
  run_with_procs(2, [] {
    sync::Mutex mu;
    sync::Cond cond(mu);
    constexpr int kWaiters = 20;
    constexpr int kRounds = 20;
    int generation = 0;
    int waiting = 0;
    auto woke = make_chan<int>(kWaiters);
    sync::WaitGroup wg;
    for (int w = 0; w < kWaiters; ++w) {
      wg.go([&] {
        for (int round = 0; round < kRounds; ++round) {
          mu.lock();
          int my_gen = generation;
          ++waiting;
          while (generation == my_gen) cond.wait();
          mu.unlock();
          woke.send(round);
        }
      });
    }
    for (int round = 0; round < kRounds; ++round) {
      ASSERT_TRUE(eventually([&] {
        std::lock_guard<sync::Mutex> g(mu);
        return waiting == kWaiters;
      }));
      mu.lock();
      waiting = 0;
      ++generation;
      cond.broadcast();
      mu.unlock();
      for (int w = 0; w < kWaiters; ++w) EXPECT_EQ(*woke.recv(), round);
    }
    wg.wait();
  });
}

// E20: wait() in a loop. One item and a broadcast: exactly one of two consumers
// takes it, the other goes back to waiting.
TEST(Cond, WaitInALoopRechecksTheCondition) {
  run_with_procs(2, [] {
    sync::Mutex mu;
    sync::Cond cond(mu);
    std::deque<int> items;
    int waiting = 0;
    std::atomic<int> consumed{0};
    sync::WaitGroup wg;
    for (int c = 0; c < 2; ++c) {
      wg.go([&] {
        mu.lock();
        ++waiting;
        while (items.empty()) cond.wait();
        int item = items.front();
        items.pop_front();
        mu.unlock();
        if (item >= 0) consumed.fetch_add(1);
      });
    }
    ASSERT_TRUE(eventually([&] {
      std::lock_guard<sync::Mutex> g(mu);
      return waiting == 2;
    }));
    mu.lock();
    items.push_back(1);
    cond.broadcast();
    mu.unlock();
    ASSERT_TRUE(eventually([&] { return consumed.load() == 1; }));
    time::sleep(50ms);  // the other consumer must still be waiting
    EXPECT_EQ(consumed.load(), 1);
    mu.lock();
    items.push_back(-1);  // release it
    cond.signal();
    mu.unlock();
    wg.wait();
  });
}

TEST(Cond, WorksWithPlainThreads) {
  sync::Mutex mu;
  sync::Cond cond(mu);
  int value = 0;
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  std::atomic<int> seen{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      std::unique_lock<sync::Mutex> lock(mu);
      while (value == 0) cond.wait();
      seen.fetch_add(value);
    });
  }
  {
    std::lock_guard<sync::Mutex> g(mu);
    value = 1;
  }
  cond.broadcast();
  for (auto& t : threads) t.join();
  EXPECT_EQ(seen.load(), kThreads);
}

// A bounded queue (the tutorial's E21 shape) under stress: producers and consumers of
// both kinds, every item delivered exactly once.
TEST(CondStress, BoundedQueueLosesAndDuplicatesNothing) {
  for (int procs : {1, 2, 4}) {
    run_with_procs(procs, [] {
      sync::Mutex mu;
      sync::Cond not_full(mu);
      sync::Cond not_empty(mu);
      std::deque<std::int64_t> queue;
      constexpr std::size_t kCap = 3;
      constexpr int kProducers = 4;
      constexpr int kConsumers = 4;
      constexpr int kItems = 5000;  // per producer
      std::atomic<std::int64_t> sum{0};
      std::atomic<std::int64_t> count{0};
      sync::WaitGroup producers;
      sync::WaitGroup consumers;
      for (int p = 0; p < kProducers; ++p) {
        producers.go([&, p] {
          for (int i = 0; i < kItems; ++i) {
            std::unique_lock<sync::Mutex> lock(mu);
            while (queue.size() == kCap) not_full.wait();
            queue.push_back(std::int64_t{p} * kItems + i);
            if (i % 2 == 0) {
              not_empty.signal();
            } else {
              lock.unlock();
              not_empty.signal();  // signalling after unlocking is allowed too
            }
          }
        });
      }
      for (int c = 0; c < kConsumers; ++c) {
        consumers.go([&] {
          for (;;) {
            std::unique_lock<sync::Mutex> lock(mu);
            while (queue.empty()) not_empty.wait();
            std::int64_t v = queue.front();
            queue.pop_front();
            not_full.signal();
            if (v < 0) return;  // poison
            sum.fetch_add(v, std::memory_order_relaxed);
            count.fetch_add(1, std::memory_order_relaxed);
          }
        });
      }
      producers.wait();
      for (int c = 0; c < kConsumers; ++c) {
        std::unique_lock<sync::Mutex> lock(mu);
        while (queue.size() == kCap) not_full.wait();
        queue.push_back(-1);
        not_empty.signal();
      }
      consumers.wait();
      const std::int64_t n = std::int64_t{kProducers} * kItems;
      EXPECT_EQ(count.load(), n);
      EXPECT_EQ(sum.load(), n * (n - 1) / 2);
    });
  }
}
