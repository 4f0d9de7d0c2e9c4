// sync::Map, after Go's sync/map_test.go: every method, and concurrent mutation.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "test_util.hpp"

using namespace gocxx;
using gocxx::testing::run_with_procs;

TEST(Map, LoadStoreDelete) {
  sync::Map<std::string, int> m;
  EXPECT_FALSE(m.load("a"));
  m.store("a", 1);
  EXPECT_EQ(m.load("a"), 1);
  m.store("a", 2);
  EXPECT_EQ(m.load("a"), 2);
  m.erase("a");
  EXPECT_FALSE(m.load("a"));
  m.erase("never there");  // no effect, no error
}

TEST(Map, LoadOrStore) {
  sync::Map<int, std::string> m;
  auto [v1, loaded1] = m.load_or_store(1, "first");
  EXPECT_EQ(v1, "first");
  EXPECT_FALSE(loaded1);
  auto [v2, loaded2] = m.load_or_store(1, "second");
  EXPECT_EQ(v2, "first");
  EXPECT_TRUE(loaded2);
}

TEST(Map, LoadAndDeleteAndSwap) {
  sync::Map<int, int> m;
  EXPECT_FALSE(m.load_and_delete(1));
  m.store(1, 10);
  EXPECT_EQ(m.load_and_delete(1), 10);
  EXPECT_FALSE(m.load(1));
  EXPECT_FALSE(m.swap(2, 20));  // no previous value
  EXPECT_EQ(m.swap(2, 21), 20);
  EXPECT_EQ(m.load(2), 21);
}

TEST(Map, CompareAndSwapAndCompareAndDelete) {
  sync::Map<int, int> m;
  EXPECT_FALSE(m.compare_and_swap(1, 0, 5));  // absent key: no swap
  m.store(1, 5);
  EXPECT_FALSE(m.compare_and_swap(1, 4, 6));
  EXPECT_EQ(m.load(1), 5);
  EXPECT_TRUE(m.compare_and_swap(1, 5, 6));
  EXPECT_EQ(m.load(1), 6);
  EXPECT_FALSE(m.compare_and_delete(1, 5));
  EXPECT_TRUE(m.compare_and_delete(1, 6));
  EXPECT_FALSE(m.load(1));
}

TEST(Map, RangeVisitsEveryEntryOnceAndStopsEarly) {
  sync::Map<int, int> m;
  for (int i = 0; i < 1000; ++i) m.store(i, i * i);
  std::map<int, int> seen;
  m.range([&](const int& k, const int& v) {
    EXPECT_TRUE(seen.emplace(k, v).second) << "visited twice: " << k;
    return true;
  });
  ASSERT_EQ(seen.size(), 1000u);
  for (auto& [k, v] : seen) EXPECT_EQ(v, k * k);
  int visits = 0;
  m.range([&](const int&, const int&) { return ++visits < 10; });
  EXPECT_EQ(visits, 10);
}

TEST(Map, RangeMayMutateTheMap) {
  // Go allows f to call any method of the map.
  sync::Map<int, int> m;
  for (int i = 0; i < 100; ++i) m.store(i, i);
  m.range([&](const int& k, const int&) {
    if (k < 1000) {  // keys stored during the range may or may not be visited
      m.erase(k);
      m.store(k + 1000, k);
    }
    return true;
  });
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(m.load(i));
  int left = 0;
  m.range([&](const int& k, const int& v) {
    EXPECT_EQ(k - 1000, v);
    ++left;
    return true;
  });
  EXPECT_EQ(left, 100);
  m.clear();
  int after_clear = 0;
  m.range([&](const int&, const int&) { return ++after_clear > 0; });
  EXPECT_EQ(after_clear, 0);
}

// Go's TestConcurrentRange shape: writers move each key through a sequence of
// values with compare_and_swap; readers never see a value outside the sequence and
// every increment lands exactly once.
TEST(MapStress, ConcurrentMutationLosesNothing) {
  for (int procs : {1, 2, 4}) {
    run_with_procs(procs, [] {
      constexpr int kKeys = 64;
      constexpr int kWriters = 8;
      constexpr int kIncrements = 2000;  // per writer
      sync::Map<int, std::int64_t> m;
      for (int k = 0; k < kKeys; ++k) m.store(k, 0);
      std::atomic<bool> bad{false};
      std::atomic<bool> stop{false};
      sync::WaitGroup writers;
      sync::WaitGroup readers;
      for (int w = 0; w < kWriters; ++w) {
        writers.go([&, w] {
          std::minstd_rand rng(static_cast<unsigned>(w) + 3);
          for (int i = 0; i < kIncrements; ++i) {
            int k = static_cast<int>(rng() % kKeys);
            for (;;) {
              std::int64_t v = *m.load(k);
              if (m.compare_and_swap(k, v, v + 1)) break;
            }
            if (i % 64 == 0) runtime::gosched();
          }
        });
      }
      for (int r = 0; r < 2; ++r) {
        readers.go([&, r] {
          while (!stop.load()) {
            m.range([&](const int& k, const std::int64_t& v) {
              if (k < 0 || (k >= kKeys && k < 1000) || v < 0) bad = true;
              return true;
            });
            // Transient keys come and go while readers look.
            m.load_or_store(1000 + r, 1);
            m.load_and_delete(1000 + r);
            runtime::gosched();
          }
        });
      }
      writers.wait();
      stop = true;
      readers.wait();
      std::int64_t total = 0;
      m.range([&](const int& k, const std::int64_t& v) {
        if (k < kKeys) total += v;
        return true;
      });
      EXPECT_FALSE(bad.load());
      EXPECT_EQ(total, std::int64_t{kWriters} * kIncrements);
    });
  }
}

// Readers run without locks while writers replace values: a reader must never see
// a value being written (both halves always match), from goroutines and threads.
TEST(MapStress, ReadersNeverSeeAHalfWrittenValue) {
  struct Wide {
    std::int64_t a = 0;
    std::string text = "0";  // heap-allocated once long: a torn read would crash ASan
    std::int64_t b = 0;
  };
  sync::Map<int, Wide> m;
  constexpr int kKeys = 8;
  for (int k = 0; k < kKeys; ++k) m.store(k, Wide{});
  std::atomic<bool> stop{false};
  std::atomic<bool> torn{false};
  std::atomic<std::int64_t> reads{0};
  auto reader = [&](unsigned seed) {
    std::minstd_rand rng(seed);
    while (!stop.load(std::memory_order_relaxed)) {
      std::optional<Wide> w = m.load(static_cast<int>(rng() % kKeys));
      if (!w || w->a != w->b ||
          w->text != std::to_string(w->a) + std::string(40, 'x').substr(0, w->a > 0 ? 40 : 0)) {
        torn = true;
      }
      // Goroutines are not preempted: a reader lets the writers run now and then.
      if (reads.fetch_add(1, std::memory_order_relaxed) % 64 == 0) runtime::gosched();
    }
  };
  std::thread thread_reader([&] { reader(99); });
  run_with_procs(2, [&] {
    sync::WaitGroup readers;
    for (int r = 0; r < 3; ++r) readers.go([&, r] { reader(static_cast<unsigned>(r) + 1); });
    sync::WaitGroup writers;
    for (int w = 0; w < 2; ++w) {
      writers.go([&, w] {
        for (std::int64_t i = 1; i <= 20000; ++i) {
          std::int64_t v = i * 2 + w;
          m.store(static_cast<int>(i % kKeys),
                  Wide{v, std::to_string(v) + std::string(40, 'x'), v});
          if (i % 16 == 0) runtime::gosched();
        }
      });
    }
    writers.wait();
    stop = true;
    readers.wait();
  });
  thread_reader.join();
  EXPECT_FALSE(torn.load());
  EXPECT_GT(reads.load(), 0);
}
