// sync::Mutex and sync::RWMutex, after Go's sync/mutex_test.go and rwmutex_test.go.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <shared_mutex>
#include <thread>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "test_util.hpp"

using namespace gocxx;
using namespace std::chrono_literals;
using gocxx::testing::eventually;
using gocxx::testing::run_with_procs;

// ---------------------------------------------------------------------------
// Mutex

TEST(Mutex, LockUnlockAndTryLock) {
  sync::Mutex mu;
  EXPECT_TRUE(mu.try_lock());
  EXPECT_FALSE(mu.try_lock());
  mu.unlock();
  mu.lock();
  EXPECT_FALSE(mu.try_lock());
  mu.unlock();
  EXPECT_TRUE(mu.try_lock());
  mu.unlock();
}

TEST(Mutex, IsLockableForTheStandardGuards) {
  sync::Mutex a;
  sync::Mutex b;
  {
    std::lock_guard<sync::Mutex> g(a);
    EXPECT_FALSE(a.try_lock());
  }
  {
    std::scoped_lock both(a, b);
    EXPECT_FALSE(a.try_lock());
    EXPECT_FALSE(b.try_lock());
  }
  {
    std::unique_lock<sync::Mutex> u(a, std::try_to_lock);
    EXPECT_TRUE(u.owns_lock());
  }
  EXPECT_TRUE(a.try_lock());
  a.unlock();
  sync::Locker& l = b;  // usable through Go's Locker interface
  l.lock();
  EXPECT_FALSE(b.try_lock());
  l.unlock();
}

TEST(Mutex, MayBeUnlockedByAnotherGoroutine) {
  // Go: "A locked Mutex is not associated with a particular goroutine."
  run([] {
    sync::Mutex mu;
    mu.lock();
    auto done = make_chan<>();
    go([&] {
      mu.unlock();
      done.close();
    });
    done.recv();
    EXPECT_TRUE(mu.try_lock());
    mu.unlock();
  });
}

// A counter guarded by the mutex ends exact: P goroutines, random hold times.
class MutexCounter : public ::testing::TestWithParam<int> {};

TEST_P(MutexCounter, EndsExactUnderContention) {
  const int procs = GetParam();
  run_with_procs(procs, [] {
    constexpr int kGoroutines = 16;
    constexpr int kIters = 20000;
    sync::Mutex mu;
    std::int64_t counter = 0;  // plain: the mutex is the only synchronisation
    std::int64_t shadow = 0;   // a second word written in two steps: never seen torn
    sync::WaitGroup wg;
    for (int g = 0; g < kGoroutines; ++g) {
      wg.go([&, g] {
        std::minstd_rand rng(static_cast<unsigned>(g) + 1);
        for (int i = 0; i < kIters; ++i) {
          std::lock_guard<sync::Mutex> guard(mu);
          ASSERT_EQ(shadow, counter * 3);
          ++counter;
          if (rng() % 64 == 0) runtime::gosched();  // yield while holding the lock
          shadow = counter * 3;
        }
      });
    }
    wg.wait();
    EXPECT_EQ(counter, std::int64_t{kGoroutines} * kIters);
    EXPECT_EQ(shadow, counter * 3);
  });
}

INSTANTIATE_TEST_SUITE_P(Procs, MutexCounter, ::testing::Values(1, 2, 4));

TEST(Mutex, WorksFromPlainThreadsAndGoroutinesTogether) {
  sync::Mutex mu;
  std::int64_t counter = 0;
  constexpr int kIters = 20000;
  std::vector<std::thread> threads;
  std::atomic<bool> go_side_done{false};
  std::thread runtime_thread([&] {
    run_with_procs(2, [&] {
      sync::WaitGroup wg;
      for (int g = 0; g < 4; ++g) {
        wg.go([&] {
          for (int i = 0; i < kIters; ++i) {
            std::lock_guard<sync::Mutex> guard(mu);
            ++counter;
          }
        });
      }
      wg.wait();
    });
    go_side_done = true;
  });
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIters; ++i) {
        std::lock_guard<sync::Mutex> guard(mu);
        ++counter;
      }
    });
  }
  for (auto& t : threads) t.join();
  runtime_thread.join();
  EXPECT_TRUE(go_side_done.load());
  EXPECT_EQ(counter, std::int64_t{6} * kIters);
}

TEST(Mutex, ABlockedLockParksTheGoroutineNotTheThread) {
  // With one processor, a goroutine blocked in lock() must let the holder run.
  run_with_procs(1, [] {
    sync::Mutex mu;
    mu.lock();
    std::atomic<int> stage{0};
    auto done = make_chan<>();
    go([&] {
      stage = 1;
      mu.lock();  // parks: the processor goes back to main
      stage = 2;
      mu.unlock();
      done.close();
    });
    ASSERT_TRUE(eventually([&] { return stage.load() == 1; }));
    // The waiter is parked (or about to be); main still runs on the only processor.
    for (int i = 0; i < 100; ++i) runtime::gosched();
    EXPECT_EQ(stage.load(), 1);
    mu.unlock();
    done.recv();
    EXPECT_EQ(stage.load(), 2);
  });
}

// Go's TestMutexFairness: one goroutine holds the lock nearly all the time; another
// that wants it now and then must still get it (starvation mode hands the lock to
// a waiter blocked over 1 ms).
TEST(Mutex, AStarvedWaiterGetsTheLock) {
  for (int procs : {1, 2}) {
    run_with_procs(procs, [] {
      sync::Mutex mu;
      std::atomic<bool> stop{false};
      auto greedy_done = make_chan<>();
      go([&] {
        while (!stop.load()) {
          mu.lock();
          time::sleep(100us);
          mu.unlock();
        }
        greedy_done.close();
      });
      auto polite_done = make_chan<bool>(1);
      go([&] {
        for (int i = 0; i < 10; ++i) {
          time::sleep(100us);
          mu.lock();
          mu.unlock();
        }
        polite_done.send(true);
      });
      // Go allows 10 s; without starvation mode the polite goroutine may never win.
      int chosen = select(recv(polite_done), recv(time::after(30s)));
      stop = true;
      greedy_done.recv();
      EXPECT_EQ(chosen, 0) << "the waiter starved at procs=" << runtime::gomaxprocs(0);
    });
  }
}

// Go's HammerMutex across goroutines and threads, with try_lock mixed in.
TEST(MutexStress, HammerWithTryLock) {
  run_with_procs(2, [] {
    sync::Mutex mu;
    std::int64_t counter = 0;
    std::atomic<std::int64_t> acquired{0};
    sync::WaitGroup wg;
    const auto end = std::chrono::steady_clock::now() + 2s;
    for (int g = 0; g < 8; ++g) {
      wg.go([&, g] {
        for (int i = 0; i < 20000 && std::chrono::steady_clock::now() < end; ++i) {
          if ((i + g) % 3 == 0) {
            if (!mu.try_lock()) continue;
          } else {
            mu.lock();
          }
          ++counter;
          mu.unlock();
          acquired.fetch_add(1, std::memory_order_relaxed);
        }
      });
    }
    wg.wait();
    EXPECT_EQ(counter, acquired.load());
    EXPECT_GT(counter, 0);
  });
}

// ---------------------------------------------------------------------------
// RWMutex

TEST(RWMutex, ReadersShareWritersExclude) {
  sync::RWMutex rw;
  EXPECT_TRUE(rw.try_rlock());
  EXPECT_TRUE(rw.try_rlock());
  EXPECT_FALSE(rw.try_lock());
  rw.runlock();
  rw.runlock();
  EXPECT_TRUE(rw.try_lock());
  EXPECT_FALSE(rw.try_rlock());
  EXPECT_FALSE(rw.try_lock());
  rw.unlock();
  {
    std::shared_lock<sync::RWMutex> r1(rw);
    std::shared_lock<sync::RWMutex> r2(rw);
    EXPECT_FALSE(rw.try_lock());
  }
  {
    std::unique_lock<sync::RWMutex> w(rw);
    EXPECT_FALSE(rw.try_rlock());
  }
  EXPECT_TRUE(rw.try_lock());
  rw.unlock();
}

// Go's TestParallelReaders: n readers hold the read lock at the same time.
TEST(RWMutex, ParallelReaders) {
  for (int procs : {1, 2, 4}) {
    run_with_procs(procs, [] {
      constexpr int kReaders = 10;
      sync::RWMutex rw;
      auto locked = make_chan<bool>(kReaders);
      auto release = make_chan<bool>();
      auto finished = make_chan<bool>(kReaders);
      for (int i = 0; i < kReaders; ++i) {
        go([&] {
          rw.rlock();
          locked.send(true);
          release.recv();
          rw.runlock();
          finished.send(true);
        });
      }
      for (int i = 0; i < kReaders; ++i) locked.recv();  // all hold it at once
      release.close();
      for (int i = 0; i < kReaders; ++i) finished.recv();
    });
  }
}

TEST(RWMutex, AWaitingWriterBlocksNewReaders) {
  run_with_procs(2, [] {
    sync::RWMutex rw;
    rw.rlock();
    std::atomic<bool> writer_in{false};
    auto writer_done = make_chan<>();
    go([&] {
      rw.lock();
      writer_in = true;
      rw.unlock();
      writer_done.close();
    });
    // Once the writer is waiting, a new reader must not get in ahead of it.
    ASSERT_TRUE(eventually([&] {
      if (!rw.try_rlock()) return true;
      rw.runlock();  // not yet: give the read lock back
      return false;
    }));
    EXPECT_FALSE(writer_in.load());
    std::atomic<bool> late_reader_in{false};
    auto reader_done = make_chan<>();
    go([&] {
      rw.rlock();
      late_reader_in = true;
      EXPECT_TRUE(writer_in.load()) << "a reader overtook the waiting writer";
      rw.runlock();
      reader_done.close();
    });
    for (int i = 0; i < 100; ++i) runtime::gosched();
    EXPECT_FALSE(late_reader_in.load());
    rw.runlock();  // the writer goes first, then the late reader
    writer_done.recv();
    reader_done.recv();
    EXPECT_TRUE(late_reader_in.load());
  });
}

TEST(RWMutex, RLockerIsALockerForCond) {
  run([] {
    sync::RWMutex rw;
    sync::Locker& r = rw.rlocker();
    r.lock();
    r.lock();  // a read lock: shared
    EXPECT_FALSE(rw.try_lock());
    r.unlock();
    r.unlock();
    EXPECT_TRUE(rw.try_lock());
    rw.unlock();

    // A Cond over the read lock, as the tutorial's E18 passes m.RLocker() around.
    sync::Cond cond(rw.rlocker());
    bool ready = false;  // written under the write lock, read under the read lock
    auto done = make_chan<>();
    go([&] {
      cond.l.lock();
      while (!ready) cond.wait();
      cond.l.unlock();
      done.close();
    });
    time::sleep(1ms);  // most likely the waiter is in wait() by now; correct either way
    rw.lock();
    ready = true;
    rw.unlock();
    cond.broadcast();
    done.recv();
  });
}

// Go's HammerRWMutex: readers and writers bump an activity counter; a writer must
// see no one else active, a reader no writer (never a half-written value).
TEST(RWMutexStress, NoReaderSeesAWriterAndWritersAreAlone) {
  for (int procs : {1, 2, 4}) {
    run_with_procs(procs, [] {
      sync::RWMutex rw;
      std::atomic<std::int32_t> activity{0};
      std::int64_t a = 0;
      std::int64_t b = 0;  // a == b whenever the lock is not held for writing
      std::atomic<std::int64_t> reads{0};
      std::atomic<std::int64_t> writes{0};
      sync::WaitGroup wg;
      const auto end = std::chrono::steady_clock::now() + 1s;
      for (int g = 0; g < 12; ++g) {
        const bool writer = g % 4 == 0;
        wg.go([&, writer, g] {
          std::minstd_rand rng(static_cast<unsigned>(g) + 7);
          for (int i = 0; i < 3000 && std::chrono::steady_clock::now() < end; ++i) {
            if (writer) {
              rw.lock();
              std::int32_t n = activity.fetch_add(10000) + 10000;
              ASSERT_EQ(n, 10000) << "a writer was not alone";
              ++a;
              if (rng() % 8 == 0) runtime::gosched();
              ++b;
              activity.fetch_sub(10000);
              rw.unlock();
              writes.fetch_add(1, std::memory_order_relaxed);
            } else {
              rw.rlock();
              std::int32_t n = activity.fetch_add(1) + 1;
              ASSERT_LT(n, 10000) << "a reader ran with a writer";
              ASSERT_EQ(a, b) << "a reader saw a half-written value";
              if (rng() % 8 == 0) runtime::gosched();
              activity.fetch_sub(1);
              rw.runlock();
              reads.fetch_add(1, std::memory_order_relaxed);
            }
          }
        });
      }
      wg.wait();
      EXPECT_EQ(a, writes.load());
      EXPECT_EQ(b, writes.load());
      EXPECT_GT(reads.load(), 0);
    });
  }
}

TEST(RWMutexStress, PlainThreadsToo) {
  sync::RWMutex rw;
  std::int64_t a = 0;
  std::int64_t b = 0;
  std::atomic<bool> torn{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5000; ++i) {
        if (t == 0) {
          std::unique_lock<sync::RWMutex> w(rw);
          ++a;
          ++b;
        } else {
          std::shared_lock<sync::RWMutex> r(rw);
          if (a != b) torn = true;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_FALSE(torn.load());
  EXPECT_EQ(a, 5000);
}
