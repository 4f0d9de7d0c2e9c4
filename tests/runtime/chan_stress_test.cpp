// Bounded channel and select stress: many goroutines, random schedules, checksums
// proving no value is lost or duplicated.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
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

// Every value v in [0, n) sent exactly once: sum and xor-of-hash both match.
struct Checksum {
  long sum = 0;
  unsigned long long mix = 0;
  void add(long v) {
    sum += v;
    mix ^= static_cast<unsigned long long>(v) * 0x9e3779b97f4a7c15ULL + 1;
  }
  bool operator==(const Checksum&) const = default;
};
}  // namespace

class ChanStress : public ::testing::TestWithParam<std::tuple<int, int>> {};

TEST_P(ChanStress, ManyProducersManyConsumersLoseNothing) {
  auto [capacity, procs] = GetParam();
  run_with_procs(procs, [capacity = capacity] {
    constexpr int kProducers = 16;
    constexpr int kConsumers = 16;
    const int kPerProducer = scaled(5000);
    auto ch = make_chan<long>(capacity);
    std::vector<Checksum> consumed(kConsumers);
    sync::WaitGroup producers;
    sync::WaitGroup consumers;
    for (int c = 0; c < kConsumers; ++c) {
      consumers.go([&, c] {
        for (long v : ch) consumed[static_cast<size_t>(c)].add(v);
      });
    }
    for (int p = 0; p < kProducers; ++p) {
      producers.go([&, p] {
        for (int i = 0; i < kPerProducer; ++i) ch.send(static_cast<long>(p) * kPerProducer + i);
      });
    }
    producers.wait();
    ch.close();
    consumers.wait();
    Checksum got;
    for (auto& c : consumed) {
      got.sum += c.sum;
      got.mix ^= c.mix;
    }
    Checksum want;
    for (long v = 0; v < static_cast<long>(kProducers) * kPerProducer; ++v) want.add(v);
    EXPECT_EQ(got, want);
  });
}

INSTANTIATE_TEST_SUITE_P(CapacitiesAndProcs, ChanStress,
                         ::testing::Combine(::testing::Values(0, 1, 16, 1024),
                                            ::testing::Values(1, 2, 4)));

TEST(SelectStress, ConcurrentSelectsOverSharedChannelsNeverDeadlockOrDuplicate) {
  // Goroutines select over random subsets of shared channels, in both directions,
  // so their lock orders overlap in every way.
  run_with_procs(4, [] {
    constexpr int kChans = 6;
    constexpr int kWorkers = 24;
    const int kOps = scaled(3000);
    std::vector<Chan<long>> chans;
    for (int i = 0; i < kChans; ++i) chans.push_back(make_chan<long>(i % 3));
    std::atomic<long> sent_sum{0};
    std::atomic<long> recv_sum{0};
    std::atomic<long> sent_n{0};
    std::atomic<long> recv_n{0};
    sync::WaitGroup senders;
    sync::WaitGroup receivers;
    auto stop = make_chan<>();
    for (int w = 0; w < kWorkers; ++w) {
      senders.go([&, w] {
        std::mt19937 rng(static_cast<unsigned>(w));
        for (int i = 0; i < kOps; ++i) {
          long v = static_cast<long>(w) * kOps + i + 1;
          size_t a = rng() % kChans;
          size_t b = rng() % kChans;
          select(send(chans[a], v), send(chans[b], v));
          sent_sum += v;
          ++sent_n;
        }
      });
      receivers.go([&, w] {
        std::mt19937 rng(static_cast<unsigned>(1000 + w));
        for (;;) {
          size_t a = rng() % kChans;
          size_t b = rng() % kChans;
          size_t c = rng() % kChans;
          std::optional<long> v;
          int i = select(recv(chans[a], v), recv(chans[b], v), recv(chans[c], v), recv(stop));
          if (i == 3) return;
          recv_sum += *v;
          ++recv_n;
        }
      });
    }
    senders.wait();
    // Every sent value is either received already or sits in a buffer.
    while (recv_n.load() < sent_n.load()) runtime::gosched();
    stop.close();
    receivers.wait();
    EXPECT_EQ(recv_n.load(), sent_n.load());
    EXPECT_EQ(recv_sum.load(), sent_sum.load());
  });
}

TEST(SelectStress, ANonBlockingSelectSeesAnAtomicSnapshot) {
  // TestNonblockSelectRace: at every instant one of c1, c2 holds a value, so a
  // select with default over both must never take the default.
  run_with_procs(2, [] {
    const int kRounds = scaled(20000);
    auto done = make_chan<bool>(1);
    for (int i = 0; i < kRounds; ++i) {
      auto c1 = make_chan<int>(1);
      auto c2 = make_chan<int>(1);
      c1.send(1);
      go([=] {
        int k = select(recv(c1), recv(c2), default_case());
        done.send(k != 2);
      });
      c2.send(1);
      select(recv(c1), recv(c2));
      ASSERT_TRUE(*done.recv()) << "round " << i << ": default taken with a channel ready";
    }
  });
}

TEST(SelectStress, ASelectNeverExecutesTwoCases) {
  // test/chan/doubleselect.go: a sender selects over four channels sharing their
  // receivers; every value arrives exactly once.
  run_with_procs(2, [] {
    const int kIterations = scaled(50000);
    std::vector<Chan<int>> cs;
    for (int i = 0; i < 4; ++i) cs.push_back(make_chan<int>());
    auto results = make_chan<int>(64);
    go([=] {
      for (int i = 1; i <= kIterations; ++i) {
        select(send(cs[0], i), send(cs[1], i), send(cs[2], i), send(cs[3], i));
      }
      for (auto& c : cs) c.close();
    });
    sync::WaitGroup wg;
    for (int i = 0; i < 4; ++i) {
      wg.go([=] {
        for (int v : cs[static_cast<size_t>(i)]) results.send(v);
      });
    }
    go([&wg, results] {
      wg.wait();
      results.close();
    });
    std::vector<char> seen(static_cast<size_t>(kIterations) + 1, 0);
    int n = 0;
    for (int v : results) {
      ASSERT_EQ(seen[static_cast<size_t>(v)], 0) << "value " << v << " received twice";
      seen[static_cast<size_t>(v)] = 1;
      ++n;
    }
    EXPECT_EQ(n, kIterations);
  });
}
