// golang.org/x/sync: ErrGroup, Semaphore (weighted), SingleFlight, after their
// errgroup_test.go, semaphore_test.go and singleflight_test.go.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "test_util.hpp"

using namespace gocxx;
using namespace std::chrono_literals;
using gocxx::testing::eventually;
using gocxx::testing::run_with_procs;

// ---------------------------------------------------------------------------
// ErrGroup

TEST(ErrGroup, WaitReturnsTheFirstError) {
  run([] {
    auto [g, ctx] = sync::ErrGroup::with_context(context::background());
    Error first = errors::make("first");
    g.go([first] { return first; });
    g.go([] { return Error(); });
    g.go([ctx = ctx]() -> Error {
      ctx.done().recv();  // after the first error has cancelled the group
      return errors::make("second");
    });
    Error err = g.wait();
    EXPECT_TRUE(err == first) << err.message();
  });
}

TEST(ErrGroup, NoErrorsMeansNoError) {
  run([] {
    sync::ErrGroup g;
    std::atomic<int> ran{0};
    for (int i = 0; i < 100; ++i) {
      g.go([&] {
        ran.fetch_add(1);
        return Error();
      });
    }
    EXPECT_FALSE(g.wait());
    EXPECT_EQ(ran.load(), 100);
  });
}

// Go's TestWithContext: the first error cancels the context, with it as the cause.
TEST(ErrGroup, TheFirstErrorCancelsTheContext) {
  run([] {
    auto [g, ctx] = sync::ErrGroup::with_context(context::background());
    Error boom = errors::make("boom");
    std::atomic<int> stopped{0};
    for (int i = 0; i < 5; ++i) {
      g.go([ctx = ctx, &stopped] {
        ctx.done().recv();  // blocks until the group's context is cancelled
        stopped.fetch_add(1);
        return ctx.err();
      });
    }
    g.go([boom] { return boom; });
    Error err = g.wait();
    EXPECT_TRUE(err == boom) << err.message();
    EXPECT_EQ(stopped.load(), 5);
    EXPECT_TRUE(ctx.err() == context::canceled);
    EXPECT_TRUE(context::cause(ctx) == boom);
  });
}

TEST(ErrGroup, TheContextIsCancelledWhenWaitReturns) {
  run([] {
    auto [g, ctx] = sync::ErrGroup::with_context(context::background());
    g.go([] { return Error(); });
    EXPECT_FALSE(g.wait());
    EXPECT_TRUE(ctx.err() == context::canceled);
  });
}

// Go's TestGoLimit: never more than the limit at once.
TEST(ErrGroup, SetLimitBoundsConcurrency) {
  run_with_procs(4, [] {
    sync::ErrGroup g;
    constexpr int kLimit = 3;
    g.set_limit(kLimit);
    std::atomic<int> active{0};
    std::atomic<int> peak{0};
    for (int i = 0; i < 100; ++i) {
      g.go([&] {
        int now = active.fetch_add(1) + 1;
        int p = peak.load();
        while (now > p && !peak.compare_exchange_weak(p, now)) {
        }
        EXPECT_LE(now, kLimit);
        runtime::gosched();
        active.fetch_sub(1);
        return Error();
      });
    }
    EXPECT_FALSE(g.wait());
    EXPECT_LE(peak.load(), kLimit);
    EXPECT_GE(peak.load(), 1);
  });
}

// Go's TestTryGo.
TEST(ErrGroup, TryGoFailsAtTheLimit) {
  run([] {
    sync::ErrGroup g;
    g.set_limit(1);
    auto release = make_chan<>();
    EXPECT_TRUE(g.try_go([=] {
      release.recv();
      return Error();
    }));
    EXPECT_FALSE(g.try_go([] { return Error(); }));
    try {
      g.set_limit(2);
      FAIL() << "no panic";
    } catch (const Panic& p) {
      EXPECT_STREQ(p.what(),
                   "errgroup: modify limit while 1 goroutines in the group are still active");
    }
    release.close();
    EXPECT_FALSE(g.wait());
    EXPECT_TRUE(g.try_go([] { return Error(); }));  // room again
    EXPECT_FALSE(g.wait());
    g.set_limit(-1);  // no limit
    for (int i = 0; i < 10; ++i) EXPECT_TRUE(g.try_go([] { return Error(); }));
    EXPECT_FALSE(g.wait());
  });
}

TEST(ErrGroup, AnExceptionInAGoroutineIsRethrownByWait) {
  run([] {
    auto [g, ctx] = sync::ErrGroup::with_context(context::background());
    g.go([]() -> Error { throw std::runtime_error("goroutine threw"); });
    g.go([] { return errors::make("an error too"); });
    try {
      g.wait();
      FAIL() << "wait() did not rethrow";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "goroutine threw");
    }
    EXPECT_TRUE(ctx.err() == context::canceled);
  });
}

// ---------------------------------------------------------------------------
// Semaphore

namespace {
// True once a unit cannot be had (someone waits ahead); gives back a unit it got.
bool blocked_for_newcomers(sync::Semaphore& s) {
  if (!s.try_acquire(1)) return true;
  s.release(1);
  return false;
}
}  // namespace

TEST(Semaphore, AcquireAndReleaseWeights) {
  run([] {
    sync::Semaphore s(10);
    auto bg = context::background();
    EXPECT_FALSE(s.acquire(bg, 7));
    EXPECT_TRUE(s.try_acquire(3));
    EXPECT_FALSE(s.try_acquire(1));
    s.release(5);
    EXPECT_TRUE(s.try_acquire(5));
    s.release(10);
    EXPECT_TRUE(s.try_acquire(10));
    s.release(10);
  });
}

TEST(Semaphore, ReleasingMoreThanHeldPanics) {
  sync::Semaphore s(2);
  EXPECT_TRUE(s.try_acquire(1));
  try {
    s.release(2);
    FAIL() << "no panic";
  } catch (const Panic& p) {
    EXPECT_STREQ(p.what(), "semaphore: released more than held");
  }
  s.release(1);  // the failed release changed nothing
  EXPECT_TRUE(s.try_acquire(2));
}

// Go's TestLargeAcquireDoesntStarve: a big waiter at the front is not overtaken.
TEST(Semaphore, AWaitingLargeAcquireIsNotOvertaken) {
  run_with_procs(2, [] {
    sync::Semaphore s(2);
    auto bg = context::background();
    ASSERT_FALSE(s.acquire(bg, 1));
    std::atomic<bool> big_in{false};
    auto big_done = make_chan<>();
    go([&] {
      EXPECT_FALSE(s.acquire(bg, 2));
      big_in = true;
      s.release(2);
      big_done.close();
    });
    // Once the big one waits, even 1 free unit is not handed to a newcomer.
    ASSERT_TRUE(eventually([&] { return blocked_for_newcomers(s); }));
    EXPECT_FALSE(big_in.load());
    s.release(1);
    big_done.recv();
    EXPECT_TRUE(big_in.load());
    EXPECT_TRUE(s.try_acquire(2));
  });
}

TEST(Semaphore, AcquireHonoursTheContext) {
  run([] {
    sync::Semaphore s(1);
    ASSERT_TRUE(s.try_acquire(1));
    auto [ctx, cancel] = context::with_timeout(context::background(), 20ms);
    auto t0 = time::now();
    Error err = s.acquire(ctx, 1);
    EXPECT_TRUE(err == context::deadline_exceeded) << err.message();
    EXPECT_GE(time::since(t0), 19ms);
    cancel();
    s.release(1);
    EXPECT_TRUE(s.try_acquire(1)) << "the failed acquire took nothing";
    s.release(1);

    // A context already done fails at once, even with units free.
    auto [done_ctx, cancel2] = context::with_cancel(context::background());
    cancel2();
    EXPECT_TRUE(s.acquire(done_ctx, 1) == context::canceled);
    EXPECT_TRUE(s.try_acquire(1));
    s.release(1);

    // More than the size can never be had: only the context ends the wait.
    auto [ctx3, cancel3] = context::with_timeout(context::background(), 5ms);
    EXPECT_TRUE(s.acquire(ctx3, 2) == context::deadline_exceeded);
    cancel3();
  });
}

// Cancelling the waiter at the front lets the smaller ones behind it in.
TEST(Semaphore, CancellingTheFrontWaiterUnblocksTheOthers) {
  run_with_procs(2, [] {
    sync::Semaphore s(3);
    auto bg = context::background();
    ASSERT_FALSE(s.acquire(bg, 2));
    auto [big_ctx, cancel_big] = context::with_cancel(bg);
    auto big_result = make_chan<Error>(1);
    go([&, ctx = big_ctx] { big_result.send(s.acquire(ctx, 3)); });
    ASSERT_TRUE(eventually([&] { return blocked_for_newcomers(s); }));  // the big one waits
    auto small_done = make_chan<>();
    go([&] {
      EXPECT_FALSE(s.acquire(bg, 1));  // queued behind the big one
      small_done.close();
    });
    for (int i = 0; i < 20; ++i) runtime::gosched();
    cancel_big();
    EXPECT_TRUE(*big_result.recv() == context::canceled);
    small_done.recv();
    s.release(3);
    EXPECT_TRUE(s.try_acquire(3));
    s.release(3);
  });
}

// Go's TestWeighted stress: random weights, the sum held never exceeds the size,
// and everything acquired is released.
TEST(SemaphoreStress, HeldNeverExceedsTheSize) {
  run_with_procs(4, [] {
    constexpr std::int64_t kSize = 8;
    sync::Semaphore s(kSize);
    std::atomic<std::int64_t> held{0};
    std::atomic<bool> over{false};
    sync::WaitGroup wg;
    for (int g = 0; g < 16; ++g) {
      wg.go([&, g] {
        std::minstd_rand rng(static_cast<unsigned>(g) + 11);
        auto bg = context::background();
        for (int i = 0; i < 1000; ++i) {
          std::int64_t n = 1 + static_cast<std::int64_t>(rng() % kSize);
          if (rng() % 4 == 0) {
            if (!s.try_acquire(n)) continue;
          } else {
            EXPECT_FALSE(s.acquire(bg, n));
          }
          if (held.fetch_add(n) + n > kSize) over = true;
          if (i % 8 == 0) runtime::gosched();
          held.fetch_sub(n);
          s.release(n);
        }
      });
    }
    wg.wait();
    EXPECT_FALSE(over.load());
    EXPECT_TRUE(s.try_acquire(kSize));
  });
}

// ---------------------------------------------------------------------------
// SingleFlight

TEST(SingleFlight, CallReturnsTheFunctionsResult) {
  sync::SingleFlight<std::string> f;
  auto [v, err, shared] = f.call("key", [] { return std::pair{std::string("bar"), Error()}; });
  EXPECT_EQ(v, "bar");
  EXPECT_FALSE(err);
  EXPECT_FALSE(shared);
  Error boom = errors::make("boom");
  auto [v2, err2, shared2] = f.call("key", [&] { return std::pair{std::string(), boom}; });
  EXPECT_TRUE(err2 == boom);
  (void)v2;
  (void)shared2;
}

// Go's TestDoDupSuppress: callers of one key while it is in flight share one
// execution. do_chan registers before it returns, so the count is exact.
TEST(SingleFlight, DuplicateCallsShareOneExecution) {
  run_with_procs(2, [] {
    sync::SingleFlight<int> f;
    std::atomic<int> calls{0};
    auto release = make_chan<>();
    constexpr int kCallers = 10;
    std::vector<RecvChan<sync::SingleFlight<int>::Result>> results;
    for (int i = 0; i < kCallers; ++i) {
      results.push_back(f.do_chan("key", [&] {
        calls.fetch_add(1);
        release.recv();
        return std::pair{42, Error()};
      }));
    }
    release.close();
    for (auto& r : results) {
      auto res = *r.recv();
      EXPECT_EQ(res.val, 42);
      EXPECT_TRUE(res.shared);
    }
    EXPECT_EQ(calls.load(), 1);
  });
}

// The same through call() from many goroutines: every caller gets the result, and
// shared results come in groups (an execution is shared by two callers or more).
TEST(SingleFlight, ConcurrentCallersAllGetTheResult) {
  run_with_procs(2, [] {
    sync::SingleFlight<int> f;
    std::atomic<int> calls{0};
    auto release = make_chan<>();
    constexpr int kCallers = 10;
    std::atomic<int> shared_results{0};
    std::atomic<int> right{0};
    sync::WaitGroup wg;
    for (int i = 0; i < kCallers; ++i) {
      wg.go([&] {
        auto [v, err, shared] = f.call("key", [&] {
          calls.fetch_add(1);
          release.recv();
          return std::pair{42, Error()};
        });
        if (v == 42 && !err) right.fetch_add(1);
        if (shared) shared_results.fetch_add(1);
      });
    }
    ASSERT_TRUE(eventually([&] { return calls.load() >= 1; }));
    for (int i = 0; i < 100; ++i) runtime::gosched();
    release.close();
    wg.wait();
    EXPECT_EQ(right.load(), kCallers);
    EXPECT_GE(calls.load(), 1);
    EXPECT_LE(calls.load(), kCallers);
    EXPECT_NE(shared_results.load(), 1);
  });
}

TEST(SingleFlight, DoChanDeliversTheResult) {
  run([] {
    sync::SingleFlight<int> f;
    auto release = make_chan<>();
    auto a = f.do_chan("k", [=] {
      release.recv();
      return std::pair{7, Error()};
    });
    auto b = f.do_chan("k", [] { return std::pair{8, Error()}; });  // joins the first
    release.close();
    auto ra = *a.recv();
    auto rb = *b.recv();
    EXPECT_EQ(ra.val, 7);
    EXPECT_EQ(rb.val, 7);
    EXPECT_TRUE(ra.shared);
    EXPECT_TRUE(rb.shared);
  });
}

// Go's TestForget: after forget, a new call runs fn again even while the old runs.
TEST(SingleFlight, ForgetStartsANewExecution) {
  run_with_procs(2, [] {
    sync::SingleFlight<int> f;
    auto release = make_chan<>();
    auto first = f.do_chan("k", [=] {
      release.recv();
      return std::pair{1, Error()};
    });
    f.forget("k");
    auto [v, err, shared] = f.call("k", [] { return std::pair{2, Error()}; });
    EXPECT_EQ(v, 2);
    EXPECT_FALSE(shared);
    release.close();
    EXPECT_EQ(first.recv()->val, 1);
  });
}

TEST(SingleFlight, AThrowingFunctionRethrowsInEveryWaitingCaller) {
  run_with_procs(2, [] {
    sync::SingleFlight<int> f;
    auto release = make_chan<>();
    std::atomic<int> threw{0};
    std::atomic<int> arrived{0};
    sync::WaitGroup wg;
    for (int i = 0; i < 3; ++i) {
      wg.go([&] {
        arrived.fetch_add(1);
        try {
          f.call("k", [&]() -> std::pair<int, Error> {
            release.recv();
            throw std::runtime_error("flight failed");
          });
        } catch (const std::runtime_error& e) {
          EXPECT_STREQ(e.what(), "flight failed");
          threw.fetch_add(1);
        }
      });
    }
    ASSERT_TRUE(eventually([&] { return arrived.load() == 3; }));
    for (int i = 0; i < 50; ++i) runtime::gosched();
    release.close();
    wg.wait();
    EXPECT_EQ(threw.load(), 3);
  });
}
