// select: Go's rules (spec, runtime/select.go, test/chan/select*.go,
// TestSelectFairness, TestNonblockSelectRace, doubleselect, TestSelfSelect).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "runtime/sanitizers.hpp"
#include "test_util.hpp"

using namespace gocxx;
using gocxx::testing::eventually;
using gocxx::testing::run_with_procs;

TEST(Select, RunsTheOnlyReadyCase) {
  auto c1 = make_chan<int>(1);
  auto c2 = make_chan<int>(1);
  auto c3 = make_chan<int>(1);
  c2.send(2);
  c3.send(0);  // c3 full: its send case cannot proceed
  std::optional<int> v;
  int i = select(recv(c1, v), recv(c2, v), send(c3, 3));
  EXPECT_EQ(i, 1);
  EXPECT_EQ(v, std::optional<int>(2));
  c3.recv();
  i = select(recv(c1, v), recv(c2, v), send(c3, 3));
  EXPECT_EQ(i, 2);
  EXPECT_EQ(*c3.recv(), 3);
}

TEST(Select, ChoosesUniformlyAmongReadyCases) {
  // The tutorial's E42: two ready channels, 1000 selects; each side between 400 and
  // 600 (a fair coin is outside that range with probability ~1e-10).
  auto c1 = make_chan<>();
  auto c2 = make_chan<>();
  c1.close();
  c2.close();
  int n1 = 0;
  int n2 = 0;
  for (int i = 0; i < 1000; ++i) {
    switch (select(recv(c1), recv(c2))) {
      case 0:
        ++n1;
        break;
      case 1:
        ++n2;
        break;
    }
  }
  EXPECT_EQ(n1 + n2, 1000);
  EXPECT_GE(n1, 400);
  EXPECT_LE(n1, 600);
}

TEST(Select, FairnessAcrossManyCases) {
  // Go's TestSelectFairness shape: 8 always-ready cases, counts within 10 sigma.
  constexpr int kCases = 8;
  constexpr int kTrials = 16000;
  std::vector<Chan<int>> chans;
  std::vector<SelectCase> cases;
  for (int i = 0; i < kCases; ++i) {
    chans.push_back(make_chan<int>(1));
    chans.back().send(i);
  }
  for (auto& c : chans) cases.emplace_back(recv(c));
  int counts[kCases] = {};
  for (int t = 0; t < kTrials; ++t) {
    int i = select(cases);
    ++counts[i];
    chans[static_cast<size_t>(i)].send(i);
  }
  double mean = static_cast<double>(kTrials) / kCases;
  double sigma = std::sqrt(kTrials * (1.0 / kCases) * (1 - 1.0 / kCases));
  for (int c : counts) EXPECT_LT(std::abs(c - mean), 10 * sigma) << c;
}

TEST(Select, DefaultRunsWhenNothingIsReady) {
  auto c = make_chan<int>();
  int ran = -1;
  int i = select(recv(c, [&](std::optional<int>) { ran = 0; }), default_case([&] { ran = 1; }));
  EXPECT_EQ(i, 1);
  EXPECT_EQ(ran, 1);
}

TEST(Select, DefaultNeverWinsOverAReadyCase) {
  auto c = make_chan<int>(1);
  c.send(5);
  std::optional<int> v;
  EXPECT_EQ(select(default_case(), recv(c, v)), 1);
  EXPECT_EQ(v, std::optional<int>(5));
}

TEST(Select, NilChannelsNeverProceed) {
  Chan<int> nil;
  auto ready = make_chan<int>(1);
  ready.send(1);
  for (int i = 0; i < 100; ++i) {
    std::optional<int> v;
    EXPECT_EQ(select(recv(nil, v), send(nil, 1), recv(ready, v)), 2);
    ready.send(1);
  }
  EXPECT_EQ(select(recv(nil), send(nil, 2), default_case()), 2);
}

TEST(Select, AReceiveFromAClosedChannelIsReadyAndReportsIt) {
  auto c = make_chan<int>();
  c.close();
  std::optional<int> v = 99;
  EXPECT_EQ(select(recv(c, v)), 0);
  EXPECT_FALSE(v.has_value());
  bool handled = false;
  select(recv(c, [&](std::optional<int> got) { handled = !got.has_value(); }));
  EXPECT_TRUE(handled);
}

TEST(Select, ASendOnAClosedChannelPanicsWhenChosen) {
  auto c = make_chan<int>(1);
  c.close();
  try {
    select(send(c, 1), default_case());
    FAIL() << "no panic";
  } catch (const Panic& p) {
    EXPECT_STREQ(p.what(), "send on closed channel");
  }
  auto other = make_chan<int>();
  try {
    select(send(c, 1), recv(other));
    FAIL() << "no panic";
  } catch (const Panic& p) {
    EXPECT_STREQ(p.what(), "send on closed channel");
  }
}

TEST(Select, BindsTheValueOnlyWhenItsCaseRuns) {
  auto a = make_chan<int>(1);
  auto b = make_chan<int>(1);
  b.send(2);
  std::optional<int> va = 11;
  std::optional<int> vb;
  EXPECT_EQ(select(recv(a, va), recv(b, vb)), 1);
  EXPECT_EQ(va, std::optional<int>(11));  // untouched
  EXPECT_EQ(vb, std::optional<int>(2));
}

TEST(Select, BlocksUntilAPartnerArrives) {
  run([] {
    auto in = make_chan<int>();
    auto out = make_chan<std::string>();
    go([=] { in.send(7); });
    go([=] { EXPECT_EQ(*out.recv(), "hello"); });
    std::vector<int> got;
    for (int round = 0; round < 2; ++round) {
      select(recv(in, [&](std::optional<int> v) { got.push_back(*v); }),
             send(out, std::string("hello"), [&] { got.push_back(-1); }));
    }
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, (std::vector<int>{-1, 7}));
  });
}

TEST(Select, ABlockedSelectIsWokenByClose) {
  run([] {
    auto a = make_chan<int>();
    auto b = make_chan<int>();
    auto result = make_chan<int>(1);
    go([=] {
      std::optional<int> v = 5;
      int i = select(recv(a, v), recv(b, v));
      result.send(v.has_value() ? 100 : i);
    });
    EXPECT_TRUE(
        eventually([] { return runtime::stack(true).find("[select]") != std::string::npos; }));
    b.close();
    EXPECT_EQ(*result.recv(), 1);
  });
}

TEST(Select, SendCasesMoveOnlyValues) {
  auto c = make_chan<std::unique_ptr<int>>(1);
  EXPECT_EQ(select(send(c, std::make_unique<int>(3))), 0);
  EXPECT_EQ(**c.recv(), 3);
}

TEST(Select, TheSameChannelMayAppearTwice) {
  // TestSelectDuplicateChannel: a select with several cases on one channel.
  run([] {
    auto c = make_chan<int>();
    auto done = make_chan<>();
    go([=] {
      std::optional<int> v;
      select(recv(c, v), recv(c, v), recv(c, v));
      EXPECT_EQ(v, std::optional<int>(8));
      done.close();
    });
    c.send(8);
    done.recv();
  });
}

TEST(Select, AGoroutineNeverMatchesItsOwnSendAndReceive) {
  // TestSelfSelect: two goroutines each select send and receive on one unbuffered
  // channel; every value received comes from the other goroutine.
  run_with_procs(2, [] {
    for (int rounds = 0; rounds < 20; ++rounds) {
      auto c = make_chan<int>();
      sync::WaitGroup wg;
      for (int p = 0; p < 2; ++p) {
        wg.go([=] {
          for (int i = 0; i < 100; ++i) {
            std::optional<int> v;
            if (select(send(c, p), recv(c, v)) == 1) {
              EXPECT_NE(*v, p) << "received my own value";
            }
          }
        });
      }
      wg.wait();  // every select paired with one of the other goroutine
    }
  });
}

TEST(Select, EmptySelectBlocksForever) {
  run([] {
    std::atomic<bool> returned{false};
    go([&] {
      select();
      returned = true;
    });
    EXPECT_TRUE(eventually(
        [] { return runtime::stack(true).find("[select (no cases)]") != std::string::npos; }));
    for (int i = 0; i < 1000; ++i) runtime::gosched();
    EXPECT_FALSE(returned.load());
  });
}

TEST(Select, AllNilCasesBlockForever) {
  run([] {
    std::atomic<bool> returned{false};
    go([&] {
      Chan<int> nil;
      select(recv(nil), send(nil, 1));
      returned = true;
    });
    EXPECT_TRUE(
        eventually([] { return runtime::stack(true).find("[select]") != std::string::npos; }));
    EXPECT_FALSE(returned.load());
  });
}

TEST(DynamicSelect, ChoosesAndReportsReceivedValues) {
  auto a = make_chan<int>(1);
  auto b = make_chan<std::string>(1);
  b.send("x");
  std::vector<SelectCase> cases;
  cases.emplace_back(recv(a));
  cases.emplace_back(recv(b));
  EXPECT_EQ(select(cases), 1);
  EXPECT_EQ(cases[1].received<std::string>(), std::optional<std::string>("x"));
  cases.emplace_back(default_case());
  EXPECT_EQ(select(cases), 2);
  std::optional<int> bound;
  cases.emplace_back(recv(a, bound));
  a.send(4);
  int i = select(cases);
  EXPECT_TRUE(i == 0 || i == 3);
  if (i == 3) {
    EXPECT_EQ(bound, std::optional<int>(4));
  } else {
    EXPECT_EQ(cases[0].received<int>(), std::optional<int>(4));
  }
}

TEST(DynamicSelect, RejectsTwoDefaults) {
  std::vector<SelectCase> cases;
  cases.emplace_back(default_case());
  cases.emplace_back(default_case());
  try {
    select(cases);
    FAIL() << "no panic";
  } catch (const Panic& p) {
    EXPECT_STREQ(p.what(), "reflect.Select: multiple default cases");
  }
}

TEST(DynamicSelect, ManyCasesBlockAndWake) {
  run([] {
    constexpr int kN = 100;
    std::vector<Chan<int>> chans;
    std::vector<SelectCase> cases;
    for (int i = 0; i < kN; ++i) {
      chans.push_back(make_chan<int>());
      cases.emplace_back(recv(chans.back()));
    }
    go([c = chans[57]] { c.send(57); });
    int i = select(cases);
    EXPECT_EQ(i, 57);
    EXPECT_EQ(cases[57].received<int>(), std::optional<int>(57));
  });
}

TEST(DynamicSelect, OutlivesTheHandlesItWasBuiltFrom) {
  std::vector<SelectCase> cases;
  {
    auto c = make_chan<int>(1);
    c.send(3);
    cases.emplace_back(recv(c));
  }  // the only handle is gone; the case keeps the channel alive
  EXPECT_EQ(select(cases), 0);
  EXPECT_EQ(cases[0].received<int>(), std::optional<int>(3));
}
