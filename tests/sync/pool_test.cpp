// sync::Pool, after Go's sync/pool_test.go, with the periodic victim rotation that
// stands in for Go's garbage collector (docs/decisions.md D18).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "sync/pool_internal.hpp"
#include "test_util.hpp"

using namespace gocxx;
using namespace std::chrono_literals;
using gocxx::testing::run_with_procs;

namespace {

// Counts live instances, to see when the pool destroys what it holds.
struct Tracked {
  static inline std::atomic<int> live{0};
  int id = 0;
  explicit Tracked(int i) : id(i) { live.fetch_add(1); }
  ~Tracked() { live.fetch_sub(1); }
  Tracked(const Tracked&) = delete;
  Tracked& operator=(const Tracked&) = delete;
};

}  // namespace

// Go's TestPool: without New, an empty pool gives the zero value; a put object
// comes back to the same processor, the private one first, then the newest shared.
TEST(Pool, GetAfterPutOnTheSameProcessor) {
  gocxx::detail::pause_rotation_for_test(true);
  run_with_procs(1, [] {
    sync::Pool<std::string> p;
    EXPECT_EQ(p.get(), "");
    p.put("a");
    p.put("b");
    EXPECT_EQ(p.get(), "a");
    EXPECT_EQ(p.get(), "b");
    EXPECT_EQ(p.get(), "");
  });
  gocxx::detail::pause_rotation_for_test(false);
}

TEST(Pool, TheFactoryRunsOnlyWhenThePoolIsEmpty) {
  run([] {
    int made = 0;
    sync::Pool<std::unique_ptr<int>> p([&] {
      ++made;
      return std::make_unique<int>(made);
    });
    std::unique_ptr<int> x = p.get();
    EXPECT_EQ(made, 1);
    EXPECT_EQ(*x, 1);
    int* raw = x.get();
    p.put(std::move(x));
    std::unique_ptr<int> y = p.get();
    EXPECT_EQ(y.get(), raw);  // the same object came back: nothing new made
    EXPECT_EQ(made, 1);
    std::unique_ptr<int> z = p.get();
    EXPECT_EQ(made, 2);
    EXPECT_NE(z.get(), raw);
  });
}

TEST(Pool, PlainThreadsShareThePool) {
  sync::Pool<std::unique_ptr<Tracked>> p([] { return std::make_unique<Tracked>(0); });
  p.put(std::make_unique<Tracked>(7));
  std::thread t([&] { EXPECT_EQ(p.get()->id, 7); });  // found in the threads' list
  t.join();
  EXPECT_EQ(p.get()->id, 0);  // empty: the factory's
}

// Go's TestPoolRelease, with the rotation run by hand: an object survives one
// rotation as a victim (and is still handed out), and is destroyed by the second.
TEST(Pool, RotationsDropWhatNobodyTook) {
  gocxx::detail::pause_rotation_for_test(true);
  run_with_procs(2, [] {
    const int before = Tracked::live.load();
    sync::Pool<std::unique_ptr<Tracked>> p([] { return std::unique_ptr<Tracked>(); });
    p.put(std::make_unique<Tracked>(1));
    gocxx::detail::rotate_pools_for_test();
    std::unique_ptr<Tracked> victim = p.get();
    ASSERT_NE(victim, nullptr) << "a victim is still found by get()";
    EXPECT_EQ(victim->id, 1);

    p.put(std::move(victim));
    p.put(std::make_unique<Tracked>(2));
    EXPECT_EQ(Tracked::live.load(), before + 2);
    gocxx::detail::rotate_pools_for_test();
    EXPECT_EQ(Tracked::live.load(), before + 2);  // victims, not yet gone
    gocxx::detail::rotate_pools_for_test();
    EXPECT_EQ(Tracked::live.load(), before);
    EXPECT_EQ(p.get(), nullptr);
  });
  gocxx::detail::pause_rotation_for_test(false);
}

// Without any help, an idle pool gives its objects back (two 2 s rotations).
TEST(Pool, AnIdlePoolFreesItsObjectsByItself) {
  run_with_procs(2, [] {
    const int before = Tracked::live.load();
    sync::Pool<std::unique_ptr<Tracked>> p([] { return std::unique_ptr<Tracked>(); });
    for (int i = 0; i < 10; ++i) p.put(std::make_unique<Tracked>(i));
    EXPECT_EQ(Tracked::live.load(), before + 10);
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (Tracked::live.load() != before && std::chrono::steady_clock::now() < deadline) {
      time::sleep(20ms);  // polling a condition no one signals; bounded by the deadline
    }
    EXPECT_EQ(Tracked::live.load(), before);
  });
}

TEST(Pool, DestroyingAPoolDestroysWhatItHolds) {
  const int before = Tracked::live.load();
  run([&] {
    sync::Pool<std::unique_ptr<Tracked>> p([] { return std::unique_ptr<Tracked>(); });
    for (int i = 0; i < 5; ++i) p.put(std::make_unique<Tracked>(i));
    gocxx::detail::rotate_pools_for_test();
    p.put(std::make_unique<Tracked>(9));
  });
  EXPECT_EQ(Tracked::live.load(), before);
}

// Go's TestPoolStress: many goroutines get and put; an object is never held by two
// at once, nothing is lost, and rotations running meanwhile change none of that.
TEST(PoolStress, NoObjectIsHeldTwice) {
  for (int procs : {1, 2, 4}) {
    run_with_procs(procs, [] {
      constexpr int kGoroutines = 16;
      constexpr int kIters = 5000;
      std::atomic<int> made{0};
      struct Obj {
        std::atomic<int> holders{0};
      };
      sync::Pool<std::shared_ptr<Obj>> p([&] {
        made.fetch_add(1);
        return std::make_shared<Obj>();
      });
      std::atomic<bool> twice{false};
      std::atomic<bool> stop{false};
      auto rotator_done = make_chan<>();
      go([&] {
        while (!stop.load()) {
          gocxx::detail::rotate_pools_for_test();
          time::sleep(1ms);
        }
        rotator_done.close();
      });
      sync::WaitGroup wg;
      for (int g = 0; g < kGoroutines; ++g) {
        wg.go([&, g] {
          for (int i = 0; i < kIters; ++i) {
            std::shared_ptr<Obj> a = p.get();
            std::shared_ptr<Obj> b = p.get();
            if (a == b || a->holders.fetch_add(1) != 0 || b->holders.fetch_add(1) != 0) {
              twice = true;
            }
            if ((i + g) % 16 == 0) runtime::gosched();
            a->holders.fetch_sub(1);
            b->holders.fetch_sub(1);
            p.put(std::move(a));
            p.put(std::move(b));
          }
        });
      }
      wg.wait();
      stop = true;
      rotator_done.recv();
      EXPECT_FALSE(twice.load());
      EXPECT_LE(made.load(), kGoroutines * kIters * 2);
      EXPECT_GE(made.load(), 2);
    });
  }
}

TEST(PoolStress, SeededPoolServesAMillionGoroutinesWithFewObjects) {
  // The tutorial's E28 at test scale: a few seeded buffers serve many short goroutines.
  run_with_procs(2, [] {
    std::atomic<int> created{0};
    sync::Pool<std::shared_ptr<std::vector<char>>> p([&] {
      created.fetch_add(1);
      return std::make_shared<std::vector<char>>(1024);
    });
    for (int i = 0; i < 4; ++i) p.put(std::make_shared<std::vector<char>>(1024));
    constexpr int kWorkers = 1 << 16;
    sync::WaitGroup wg;
    for (int i = 0; i < kWorkers; ++i) {
      wg.go([&] {
        auto buf = p.get();
        (*buf)[0] = 1;
        p.put(std::move(buf));
      });
    }
    wg.wait();
    EXPECT_LT(created.load(), 1000);
  });
}
