// Channel semantics, rule by rule (Go spec, runtime/chan.go, test/chan/*).
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "test_util.hpp"

using namespace gocxx;
using gocxx::testing::eventually;

// --- types --------------------------------------------------------------------

template <class C, class T>
concept CanSend = requires(C c, T v) {
  c.send(v);
};
template <class C>
concept CanRecv = requires(C c) {
  c.recv();
};
template <class C>
concept CanClose = requires(C c) {
  c.close();
};

static_assert(CanSend<Chan<int>, int> && CanRecv<Chan<int>> && CanClose<Chan<int>>);
static_assert(!CanSend<RecvChan<int>, int> && CanRecv<RecvChan<int>> && !CanClose<RecvChan<int>>);
static_assert(CanSend<SendChan<int>, int> && !CanRecv<SendChan<int>> && CanClose<SendChan<int>>);
static_assert(std::is_convertible_v<Chan<int>, RecvChan<int>>);
static_assert(std::is_convertible_v<Chan<int>, SendChan<int>>);
static_assert(!std::is_convertible_v<RecvChan<int>, Chan<int>>);
static_assert(!std::is_convertible_v<SendChan<int>, Chan<int>>);
static_assert(!std::is_convertible_v<RecvChan<int>, SendChan<int>>);
static_assert(!std::is_convertible_v<Chan<int>, bool>, "operator bool is explicit");
static_assert(std::is_same_v<Chan<>, Chan<Unit>>);

TEST(Chan, DefaultConstructedIsNil) {
  Chan<int> nil;
  EXPECT_FALSE(nil);
  EXPECT_EQ(nil.len(), 0);
  EXPECT_EQ(nil.cap(), 0);
  EXPECT_TRUE(make_chan<int>());
}

TEST(Chan, CopiesNameTheSameChannel) {
  auto a = make_chan<int>(1);
  Chan<int> b = a;
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(a == make_chan<int>(1));
  b.send(5);
  EXPECT_EQ(a.len(), 1);
  EXPECT_EQ(*a.recv(), 5);
  RecvChan<int> r = a;
  SendChan<int> s = a;
  EXPECT_TRUE(r == a);
  EXPECT_TRUE(s == a);
}

TEST(Chan, MakeChanRejectsANegativeSize) {
  try {
    (void)make_chan<int>(-1);
    FAIL() << "no panic";
  } catch (const Panic& p) {
    EXPECT_STREQ(p.what(), "makechan: size out of range");
  }
}

// --- unbuffered ------------------------------------------------------------------

TEST(Unbuffered, HandsTheValueFromSenderToReceiver) {
  run([] {
    auto ch = make_chan<std::string>();
    go([ch] { ch.send("Hello channels!"); });
    EXPECT_EQ(*ch.recv(), "Hello channels!");
  });
}

TEST(Unbuffered, ASendWaitsForAReceiver) {
  run([] {
    auto ch = make_chan<int>();
    std::atomic<bool> sent{false};
    go([&] {
      ch.send(1);
      sent = true;
    });
    // Non-blocking probes never complete the send; only a receive does.
    for (int i = 0; i < 1000; ++i) runtime::gosched();
    EXPECT_FALSE(sent.load());
    EXPECT_EQ(ch.len(), 0);
    EXPECT_EQ(*ch.recv(), 1);
    EXPECT_TRUE(eventually([&] { return sent.load(); }));
  });
}

TEST(Unbuffered, TrySendAndTryRecvNeedAPartner) {
  auto ch = make_chan<int>();
  EXPECT_FALSE(ch.try_send(1));
  EXPECT_FALSE(ch.try_recv().has_value());
}

// --- buffered --------------------------------------------------------------------

TEST(Buffered, QueuesUpToCapacityInFifoOrder) {
  auto ch = make_chan<char>(4);
  EXPECT_EQ(ch.cap(), 4);
  for (char c : std::string("ABCD")) EXPECT_TRUE(ch.try_send(c));
  EXPECT_EQ(ch.len(), 4);
  EXPECT_FALSE(ch.try_send('E'));  // full: a blocking send would wait
  std::string got;
  for (int i = 0; i < 4; ++i) got += *ch.recv();
  EXPECT_EQ(got, "ABCD");
  EXPECT_EQ(ch.len(), 0);
}

TEST(Buffered, AReceiveWakesABlockedSenderAndKeepsOrder) {
  run([] {
    auto ch = make_chan<char>(4);
    auto fifth_sent = make_chan<>();
    go([=] {
      for (char c : std::string("ABCDE")) ch.send(c);
      fifth_sent.close();
    });
    EXPECT_TRUE(eventually([&] { return ch.len() == 4; }));
    EXPECT_FALSE(fifth_sent.try_recv().has_value()) << "the fifth send must block";
    EXPECT_EQ(*ch.recv(), 'A');
    fifth_sent.recv();
    std::string rest;
    for (int i = 0; i < 4; ++i) rest += *ch.recv();
    EXPECT_EQ(rest, "BCDE");
  });
}

// --- close -----------------------------------------------------------------------

TEST(Close, ReceiversGetBufferedValuesThenNothingForever) {
  auto ch = make_chan<int>(3);
  ch.send(1);
  ch.send(2);
  ch.close();
  EXPECT_EQ(ch.recv(), std::optional<int>(1));
  EXPECT_EQ(ch.recv(), std::optional<int>(2));
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(ch.recv(), std::nullopt);
  auto tried = ch.try_recv();
  ASSERT_TRUE(tried.has_value());
  EXPECT_FALSE(tried->has_value());
}

TEST(Close, WakesEveryBlockedReceiver) {
  run([] {
    auto begin = make_chan<>();
    auto out = make_chan<int>(5);
    std::atomic<bool> closed{false};
    sync::WaitGroup wg;
    for (int i = 0; i < 5; ++i) {
      wg.go([=, &closed] {
        EXPECT_FALSE(begin.recv().has_value());
        EXPECT_TRUE(closed.load()) << "passed <-begin before close";
        out.send(i);
      });
    }
    for (int i = 0; i < 100; ++i) runtime::gosched();
    closed = true;
    begin.close();
    wg.wait();
    EXPECT_EQ(out.len(), 5);
  });
}

TEST(Close, WakesBlockedSendersWhichPanic) {
  run([] {
    auto ch = make_chan<int>();
    auto result = make_chan<std::string>(1);
    go([=] {
      try {
        ch.send(1);
        result.send("sent");
      } catch (const Panic& p) {
        result.send(p.what());
      }
    });
    EXPECT_TRUE(
        eventually([] { return runtime::stack(true).find("[chan send]") != std::string::npos; }));
    ch.close();
    EXPECT_EQ(*result.recv(), "send on closed channel");
  });
}

TEST(Close, PanicsWithGosMessages) {
  auto expect_panic = [](auto f, const char* msg) {
    try {
      f();
      ADD_FAILURE() << "no panic, expected " << msg;
    } catch (const Panic& p) {
      EXPECT_STREQ(p.what(), msg);
    }
  };
  expect_panic([] { Chan<int>().close(); }, "close of nil channel");
  auto c = make_chan<int>(1);
  c.close();
  expect_panic([&] { c.close(); }, "close of closed channel");
  // Sending on a closed channel panics even with room in the buffer.
  expect_panic([&] { c.send(1); }, "send on closed channel");
  expect_panic([&] { (void)c.try_send(1); }, "send on closed channel");
}

TEST(Close, AClosedChannelYieldsZeroValueReceivesAtOnce) {
  auto ch = make_chan<int>();
  ch.close();
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(ch.recv().has_value());
}

// --- nil channels -----------------------------------------------------------------

TEST(Nil, SendAndReceiveBlockForever) {
  run([] {
    Chan<int> nil;
    EXPECT_FALSE(nil.try_send(1));
    EXPECT_FALSE(nil.try_recv().has_value());
    std::atomic<int> finished{0};
    go([&] {
      nil.recv();
      ++finished;
    });
    go([&] {
      nil.send(1);
      ++finished;
    });
    EXPECT_TRUE(eventually([] {
      std::string s = runtime::stack(true);
      return s.find("[chan receive (nil chan)]") != std::string::npos &&
             s.find("[chan send (nil chan)]") != std::string::npos;
    }));
    for (int i = 0; i < 1000; ++i) runtime::gosched();
    EXPECT_EQ(finished.load(), 0);  // the two goroutines are abandoned, as in Go
  });
}

// --- range ------------------------------------------------------------------------

TEST(Range, ReceivesUntilClosed) {
  run([] {
    auto ch = make_chan<int>();
    go([ch] {
      for (int i = 1; i <= 5; ++i) ch.send(i);
      ch.close();
    });
    std::string out;
    for (int v : ch) out += std::to_string(v) + " ";
    EXPECT_EQ(out, "1 2 3 4 5 ");
  });
}

TEST(Range, WorksOnAReceiveOnlyView) {
  auto ch = make_chan<int>(6);
  for (int i = 0; i <= 5; ++i) ch.send(i);
  ch.close();
  RecvChan<int> r = ch;
  int sum = 0;
  for (int v : r) sum += v;
  EXPECT_EQ(sum, 15);
}

// --- element types ----------------------------------------------------------------

TEST(Elements, MoveOnlyValuesMoveThrough) {
  run([] {
    auto ch = make_chan<std::unique_ptr<int>>();
    go([ch] { ch.send(std::make_unique<int>(7)); });
    std::unique_ptr<int> p = std::move(*ch.recv());
    EXPECT_EQ(*p, 7);
    auto buffered = make_chan<std::unique_ptr<int>>(2);
    buffered.send(std::make_unique<int>(1));
    buffered.send(std::make_unique<int>(2));
    EXPECT_EQ(**buffered.recv(), 1);
    EXPECT_EQ(**buffered.recv(), 2);
  });
}

namespace {
struct Counted {
  static inline std::atomic<int> live{0};
  int v = 0;
  explicit Counted(int x) : v(x) { ++live; }
  Counted(const Counted& o) : v(o.v) { ++live; }
  Counted(Counted&& o) noexcept : v(o.v) { ++live; }
  ~Counted() { --live; }
};
}  // namespace

TEST(Elements, BufferedValuesAreDestroyedWithTheLastHandle) {
  ASSERT_EQ(Counted::live.load(), 0);
  {
    auto ch = make_chan<Counted>(8);
    for (int i = 0; i < 5; ++i) ch.send(Counted(i));
    EXPECT_EQ(Counted::live.load(), 5);
    EXPECT_EQ(ch.recv()->v, 0);
    EXPECT_EQ(Counted::live.load(), 4);
    RecvChan<Counted> other = ch;
    ch = Chan<Counted>();
    EXPECT_EQ(Counted::live.load(), 4);  // `other` still names the channel
  }
  EXPECT_EQ(Counted::live.load(), 0);
}

TEST(Elements, StringsAndStructsRoundTrip) {
  struct Pair {
    int a;
    std::string b;
  };
  auto ch = make_chan<Pair>(1);
  ch.send(Pair{3, "x"});
  Pair p = *ch.recv();
  EXPECT_EQ(p.a, 3);
  EXPECT_EQ(p.b, "x");
}

TEST(Elements, UnitChannels) {
  auto done = make_chan<>(1);
  done.send();
  EXPECT_EQ(done.len(), 1);
  EXPECT_TRUE(done.recv().has_value());
}

// --- threads ----------------------------------------------------------------------

TEST(Threads, APlainThreadAndAGoroutineShareAChannel) {
  auto to_thread = make_chan<int>();
  auto to_goroutine = make_chan<int>();
  go([=] {
    for (int i = 0; i < 1000; ++i) to_thread.send(i);
    for (int v : to_goroutine) to_thread.send(-v);
  });
  std::thread t([=] {
    long sum = 0;
    for (int i = 0; i < 1000; ++i) sum += *to_thread.recv();
    EXPECT_EQ(sum, 999 * 1000 / 2);
    for (int i = 0; i < 100; ++i) {
      to_goroutine.send(i);
      EXPECT_EQ(*to_thread.recv(), -i);
    }
    to_goroutine.close();
  });
  t.join();
}

TEST(Threads, TwoPlainThreadsCanRendezvous) {
  auto ch = make_chan<int>();
  std::thread a([ch] {
    for (int i = 0; i < 1000; ++i) ch.send(i);
    ch.close();
  });
  long sum = 0;
  for (int v : ch) sum += v;
  a.join();
  EXPECT_EQ(sum, 999 * 1000 / 2);
}

// --- memory model -----------------------------------------------------------------

TEST(MemoryModel, ASendHappensBeforeItsReceiveCompletes) {
  // Plain (non-atomic) data written before a send is visible after the receive;
  // ThreadSanitizer checks the edge in the tsan build.
  run([] {
    struct Box {
      int payload[16];
    };
    for (int round = 0; round < 200; ++round) {
      auto box = std::make_shared<Box>();
      auto ch = make_chan<int>(round % 2);  // unbuffered and buffered
      go([box, ch, round] {
        for (int& x : box->payload) x = round;
        ch.send(1);
      });
      ch.recv();
      for (int x : box->payload) ASSERT_EQ(x, round);
    }
  });
}

TEST(MemoryModel, ACloseHappensBeforeAReceiveThatReportsIt) {
  run([] {
    for (int round = 0; round < 200; ++round) {
      auto data = std::make_shared<int>(0);
      auto ch = make_chan<>();
      go([data, ch, round] {
        *data = round + 1;
        ch.close();
      });
      EXPECT_FALSE(ch.recv().has_value());
      EXPECT_EQ(*data, round + 1);
    }
  });
}

TEST(MemoryModel, AnUnbufferedReceiveHappensBeforeTheSendCompletes) {
  run([] {
    for (int round = 0; round < 200; ++round) {
      auto data = std::make_shared<int>(0);
      auto ch = make_chan<int>();
      go([data, ch, round] {
        *data = round + 1;
        ch.recv();
      });
      ch.send(1);
      EXPECT_EQ(*data, round + 1);
    }
  });
}
