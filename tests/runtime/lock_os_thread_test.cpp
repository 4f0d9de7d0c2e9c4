// runtime::lock_os_thread: a locked goroutine runs only on its own OS thread, and
// that thread runs nothing else, whatever readies or moves the goroutine (channel
// operations, close, select, timers and sleep, mutexes, WaitGroup, gosched,
// blocking calls, plain threads, GOMAXPROCS changes). Each scenario runs 100 times
// at GOMAXPROCS 1, 2 and 4 and counts violations seen from inside the locked
// goroutines (they moved, or another goroutine ran on their thread meanwhile) and
// from inside every other goroutine (it found itself on a thread that a locked
// goroutine holds).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "runtime/sanitizers.hpp"
#include "test_util.hpp"

using namespace gocxx;
using namespace std::chrono_literals;
using gocxx::testing::Deadline;
using gocxx::testing::run_with_procs;

namespace {

long tid() {
  return syscall(SYS_gettid);
}

// The goroutine that last ran on this OS thread. Read through a function the
// optimiser cannot see into, so that the thread-local's address is computed
// afresh on whatever thread the caller now runs.
thread_local std::uint64_t tls_last_runner = 0;
__attribute__((noinline)) std::uint64_t& last_runner() {
  asm volatile("" ::: "memory");
  return tls_last_runner;
}

constexpr int kMaxLocked = 8;

// What the goroutines of one scenario saw.
struct Witness {
  std::array<std::atomic<long>, kMaxLocked> locked_tids{};  // 0: free slot
  std::atomic<int> moves{0};   // a locked goroutine found itself on another thread
  std::atomic<int> shared{0};  // a thread of a locked goroutine ran someone else
  std::atomic<long> checks{0};

  // Called by an unlocked goroutine after each blocking step.
  void free_step() {
    last_runner() = runtime::goroutine_id();
    long me = tid();
    for (auto& t : locked_tids) {
      if (t.load(std::memory_order_acquire) == me) shared++;
    }
    checks.fetch_add(1, std::memory_order_relaxed);
  }
};

// A locked goroutine's side of the witness: lock on construction, unlock on
// destruction (unless it exits while locked), a check after each blocking step.
class Locked {
 public:
  Locked(Witness& w, int slot) : w_(w), slot_(slot) {
    runtime::lock_os_thread();
    tid_ = tid();
    last_runner() = runtime::goroutine_id();
    w_.locked_tids[slot_].store(tid_, std::memory_order_release);
  }
  ~Locked() {
    if (!released_) release();
  }
  void step() {
    if (tid() != tid_) w_.moves++;
    std::uint64_t& last = last_runner();
    if (last != runtime::goroutine_id()) w_.shared++;
    last = runtime::goroutine_id();
    w_.checks.fetch_add(1, std::memory_order_relaxed);
  }
  // Clears the slot while still locked, then unlocks.
  void release() {
    step();
    w_.locked_tids[slot_].store(0, std::memory_order_release);
    released_ = true;
    runtime::unlock_os_thread();
  }
  // For a goroutine about to exit while locked: clear the slot, stay locked.
  void leave_locked() {
    step();
    w_.locked_tids[slot_].store(0, std::memory_order_release);
    released_ = true;
  }
  long thread() const { return tid_; }

 private:
  Witness& w_;
  int slot_;
  long tid_ = 0;
  bool released_ = false;
};

// Sanitizers slow every switch down several times: the other scenarios take
// fewer steps per run there.
constexpr int kScale = rt::kUnderSanitizer ? 4 : 1;

// The reported program, at its full size under every build: locked senders that
// sleep now and then, an unlocked receiver that yields now and then.
void chan_and_sleep(Witness& w) {
  const int kSends = 2000;
  sync::WaitGroup wg;
  auto c = make_chan<int>();
  for (int i = 0; i < 4; i++) {
    wg.go([&, i] {
      Locked l(w, i);
      for (int k = 0; k < kSends; k++) {
        c.send(k);
        l.step();
        if (k % 100 == 0) time::sleep(50us);
        l.step();
      }
    });
  }
  wg.go([&] {
    for (int k = 0; k < 4 * kSends; k++) {
      c.recv();
      w.free_step();
      if (k % 7 == 0) runtime::gosched();
    }
  });
  wg.wait();
}

// Timers, tickers and select readying locked goroutines; a close waking a crowd.
void timers_and_select(Witness& w) {
  const int kRounds = 60 / kScale;
  sync::WaitGroup wg;
  auto data = make_chan<int>(2);
  auto stop = make_chan<>();
  for (int i = 0; i < 3; i++) {
    wg.go([&, i] {
      Locked l(w, i);
      auto ticker = time::new_ticker(100us);
      for (int k = 0; k < kRounds; k++) {
        std::optional<int> v;
        select(recv(data, v), recv(ticker.c), recv(time::after(200us)));
        l.step();
        time::new_timer(30us).c.recv();
        l.step();
      }
      ticker.stop();
      stop.recv();  // woken by close, together with the free goroutines below
      l.step();
    });
  }
  for (int i = 0; i < 2; i++) {
    wg.go([&] {
      stop.recv();
      w.free_step();
    });
  }
  wg.go([&] {
    for (int k = 0; k < 3 * kRounds; k++) {
      select(send(data, k), recv(time::after(100us)));
      w.free_step();
    }
  });
  // Close once every locked goroutine is past its rounds (or soon after): the
  // receivers block on stop until then either way.
  wg.go([&] {
    time::sleep(1ms);
    w.free_step();
    stop.close();
  });
  wg.wait();
}

// Mutex hand-offs, WaitGroup waits and children spawned by a locked goroutine.
void mutex_and_waitgroup(Witness& w) {
  const int kRounds = 200 / kScale;
  sync::Mutex mu;
  long counter = 0;
  sync::WaitGroup wg;
  for (int i = 0; i < 2; i++) {
    wg.go([&, i] {
      Locked l(w, i);
      for (int k = 0; k < kRounds; k++) {
        mu.lock();
        ++counter;
        runtime::gosched();  // hold it a while: others queue on the mutex
        mu.unlock();
        l.step();
        if (k % 20 == 0) {
          sync::WaitGroup children;
          for (int c = 0; c < 3; c++) {
            children.go([&] {
              w.free_step();
              std::lock_guard<sync::Mutex> g(mu);
              ++counter;
              w.free_step();
            });
          }
          children.wait();
          l.step();
        }
      }
    });
  }
  for (int i = 0; i < 3; i++) {
    wg.go([&] {
      for (int k = 0; k < kRounds; k++) {
        mu.lock();
        ++counter;
        mu.unlock();
        w.free_step();
      }
    });
  }
  wg.wait();
  EXPECT_EQ(counter, 2L * kRounds + 2L * (kRounds / 20 + (kRounds % 20 != 0)) * 3 + 3L * kRounds);
}

// Locked goroutines that yield, block in a system call, nest their locks and
// finally exit still locked (their threads end with them), while GOMAXPROCS
// changes under them.
void gosched_blocking_procs(Witness& w) {
  const int kRounds = 200 / kScale;
  sync::WaitGroup wg;
  std::atomic<int> exited_threads{0};
  std::vector<long> dead_tids(2);
  std::atomic<bool> locked_done{false};
  int procs = runtime::gomaxprocs(0);
  for (int i = 0; i < 2; i++) {
    wg.go([&, i] {
      Locked l(w, i);
      runtime::lock_os_thread();  // nested: two unlocks to release
      for (int k = 0; k < kRounds; k++) {
        runtime::gosched();
        l.step();
        if (k % 50 == 0) {
          blocking([] { usleep(100); });
          l.step();
        }
        if (k == kRounds / 2) {
          runtime::unlock_os_thread();  // still locked once
          l.step();
        }
      }
      dead_tids[static_cast<std::size_t>(i)] = l.thread();
      l.leave_locked();  // exit while locked: the thread must go
      exited_threads++;
    });
  }
  wg.go([&] {
    for (int k = 0; k < 40 / kScale && !locked_done.load(); k++) {
      runtime::gomaxprocs(1 + k % 4);
      time::sleep(50us);
      w.free_step();
    }
    runtime::gomaxprocs(procs);
  });
  for (int i = 0; i < 2; i++) {
    wg.go([&] {
      for (int k = 0; k < kRounds; k++) {
        runtime::gosched();
        w.free_step();
      }
    });
  }
  wg.wait();
  locked_done = true;
  runtime::gomaxprocs(procs);
  // The threads of the goroutines that exited locked end (asynchronously).
  Deadline d(20s);
  for (long t : dead_tids) {
    std::string path = "/proc/self/task/" + std::to_string(t);
    struct stat st {};
    while (stat(path.c_str(), &st) == 0 && !d.expired()) runtime::gosched();
    EXPECT_NE(stat(path.c_str(), &st), 0) << "thread " << t << " outlived its locked goroutine";
  }
}

// Plain threads ready locked goroutines (through the global queue) and are
// readied by them.
void plain_threads(Witness& w) {
  const int kValues = 400 / kScale;
  auto to_locked = make_chan<int>();
  auto from_locked = make_chan<int>(4);
  sync::WaitGroup wg;
  for (int i = 0; i < 2; i++) {
    wg.go([&, i] {
      Locked l(w, i);
      for (int k = 0; k < kValues / 2; k++) {
        int v = *to_locked.recv();
        l.step();
        from_locked.send(v);
        l.step();
      }
    });
  }
  wg.go([&] {
    for (int k = 0; k < kValues / 4; k++) {
      runtime::gosched();
      w.free_step();
    }
  });
  std::thread producer([&] {
    for (int k = 0; k < kValues; k++) to_locked.send(k);
  });
  long sum = 0;
  std::thread consumer([&] {
    for (int k = 0; k < kValues; k++) sum += *from_locked.recv();
  });
  wg.wait();
  blocking([&] {
    producer.join();
    consumer.join();
  });
  EXPECT_EQ(sum, static_cast<long>(kValues) * (kValues - 1) / 2);
}

using Scenario = void (*)(Witness&);

struct Case {
  const char* name;
  Scenario run;
};

const Case kCases[] = {
    {"ChanAndSleep", chan_and_sleep},
    {"TimersAndSelect", timers_and_select},
    {"MutexAndWaitGroup", mutex_and_waitgroup},
    {"GoschedBlockingAndProcs", gosched_blocking_procs},
    {"PlainThreads", plain_threads},
};

class LockOsThreadStress : public ::testing::TestWithParam<std::tuple<int, int>> {};

TEST_P(LockOsThreadStress, NeverMovesAndNeverShares) {
  const Case& c = kCases[std::get<0>(GetParam())];
  int procs = std::get<1>(GetParam());
  constexpr int kRuns = 100;
  int moves = 0;
  int shared = 0;
  long checks = 0;
  for (int r = 0; r < kRuns; r++) {
    Witness w;
    run_with_procs(procs, [&] { c.run(w); });
    moves += w.moves.load();
    shared += w.shared.load();
    checks += w.checks.load();
  }
  EXPECT_EQ(moves, 0) << c.name << " at GOMAXPROCS=" << procs;
  EXPECT_EQ(shared, 0) << c.name << " at GOMAXPROCS=" << procs;
  EXPECT_GT(checks, kRuns * 10);  // the scenario did run its steps
}

INSTANTIATE_TEST_SUITE_P(Scenarios, LockOsThreadStress,
                         ::testing::Combine(::testing::Range(0, 5), ::testing::Values(1, 2, 4)),
                         [](const ::testing::TestParamInfo<std::tuple<int, int>>& info) {
                           return std::string(kCases[std::get<0>(info.param)].name) + "_P" +
                                  std::to_string(std::get<1>(info.param));
                         });

TEST(LockOsThread, NestedLocksNeedAsManyUnlocksAndExtraUnlocksAreIgnored) {
  run_with_procs(2, [] {
    Witness w;
    auto c = make_chan<int>();
    // Both goroutines use w until they return: wait for both, not for a signal
    // sent before their last step.
    sync::WaitGroup wg;
    wg.go([&] {
      runtime::unlock_os_thread();  // not locked: ignored
      Locked l(w, 0);
      runtime::lock_os_thread();
      runtime::lock_os_thread();
      runtime::unlock_os_thread();
      runtime::unlock_os_thread();  // one lock left (Locked's)
      for (int k = 0; k < 200; k++) {
        c.send(k);
        l.step();
      }
      l.release();
      runtime::unlock_os_thread();  // extra: ignored
    });
    wg.go([&] {
      for (int k = 0; k < 200; k++) {
        c.recv();
        w.free_step();
        runtime::gosched();
      }
    });
    wg.wait();
    EXPECT_EQ(w.moves.load(), 0);
    EXPECT_EQ(w.shared.load(), 0);
  });
}

TEST(LockOsThread, TheMainGoroutineCanLockItsThread) {
  run_with_procs(2, [] {
    Witness w;
    Locked l(w, 0);
    auto c = make_chan<int>();
    sync::WaitGroup wg;
    wg.go([&] {
      for (int k = 0; k < 100; k++) {
        c.send(k);
        w.free_step();
      }
    });
    for (int k = 0; k < 100; k++) {
      c.recv();
      l.step();
      time::sleep(10us);
      l.step();
    }
    wg.wait();
    l.release();
    EXPECT_EQ(w.moves.load(), 0);
    EXPECT_EQ(w.shared.load(), 0);
  });
}

// A locked goroutine whose blocking call returns while every processor is busy
// queues for one and resumes on its own thread.
TEST(LockOsThread, ABlockingCallReturnsToTheLockedThread) {
  run_with_procs(1, [] {
    Witness w;
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    std::atomic<bool> reader_back{false};
    auto done = make_chan<>();
    go([&] {
      Locked l(w, 0);
      char ch = 0;
      EXPECT_EQ(blocking([&] { return read(fds[0], &ch, 1); }), 1);
      l.step();
      reader_back = true;
      l.release();
      done.close();
    });
    // The only processor is this goroutine's while the reader returns.
    ASSERT_EQ(write(fds[1], "x", 1), 1);
    Deadline d;
    while (!reader_back.load() && !d.expired()) {
      w.free_step();
      runtime::gosched();
    }
    done.recv();
    close(fds[0]);
    close(fds[1]);
    EXPECT_TRUE(reader_back.load());
    EXPECT_EQ(w.moves.load(), 0);
    EXPECT_EQ(w.shared.load(), 0);
  });
}

}  // namespace
