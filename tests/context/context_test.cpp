// The context package (Go's context/context_test.go and x_test.go, and the tutorial's
// E71 list), plus stress: cancellation racing deadlines racing new children.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "context/context_internal.hpp"
#include "gocxx/gocxx.hpp"
#include "runtime/sanitizers.hpp"
#include "test_util.hpp"

using namespace gocxx;
using namespace std::chrono_literals;
using gocxx::testing::eventually;
using gocxx::testing::run_with_procs;

namespace {

constexpr auto kLateBound = 250ms;  // see tests/time/timer_test.cpp

bool is_closed(const RecvChan<>& c) {
  auto r = c.try_recv();
  return r.has_value() && !r->has_value();
}

struct Key1 {
  int v;
  bool operator==(const Key1&) const = default;
};
struct Key2 {
  int v;
  bool operator==(const Key2&) const = default;
};

}  // namespace

TEST(Background, IsNeverCancelled) {
  for (const context::Context& c : {context::background(), context::todo()}) {
    EXPECT_FALSE(c.done()) << "done() is a nil channel";
    EXPECT_FALSE(c.deadline().has_value());
    EXPECT_FALSE(c.err());
    EXPECT_FALSE(c.value(std::string("k")).has_value());
    EXPECT_FALSE(context::cause(c));
  }
  EXPECT_EQ(context::background().to_string(), "context.Background");
  EXPECT_EQ(context::todo().to_string(), "context.TODO");
}

TEST(Background, ItsDoneChannelNeverFiresInASelect) {
  auto other = make_chan<int>(1);
  other.send(1);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(select(recv(context::background().done()), recv(other)), 1);
    other.send(1);
  }
}

TEST(WithCancel, CancelClosesDoneAndSetsErr) {
  auto [ctx, cancel] = context::with_cancel(context::background());
  EXPECT_FALSE(is_closed(ctx.done()));
  EXPECT_FALSE(ctx.err());
  cancel();
  EXPECT_TRUE(is_closed(ctx.done()));
  EXPECT_TRUE(ctx.err() == context::canceled);
  EXPECT_EQ(ctx.err().message(), "context canceled");
  EXPECT_TRUE(context::cause(ctx) == context::canceled);
  cancel();  // idempotent
  EXPECT_TRUE(ctx.err() == context::canceled);
  EXPECT_EQ(ctx.to_string(), "context.Background.WithCancel");
}

TEST(WithCancel, CancellingAParentCancelsEveryDescendant) {
  auto [parent, cancel_parent] = context::with_cancel(context::background());
  auto [child, cancel_child] = context::with_cancel(parent);
  auto valued = context::with_value(child, "k", 1);
  auto [grandchild, cancel_grandchild] = context::with_cancel(valued);
  cancel_parent();
  for (const auto& c : {child, valued, grandchild}) {
    EXPECT_TRUE(is_closed(c.done()));
    EXPECT_TRUE(c.err() == context::canceled);
  }
}

TEST(WithCancel, CancellingAChildLeavesTheParentAlone) {
  auto [parent, cancel_parent] = context::with_cancel(context::background());
  auto [child, cancel_child] = context::with_cancel(parent);
  cancel_child();
  EXPECT_TRUE(child.err());
  EXPECT_FALSE(parent.err());
  EXPECT_FALSE(is_closed(parent.done()));
  cancel_parent();
}

TEST(WithCancel, AChildOfACancelledParentStartsCancelled) {
  auto [parent, cancel_parent] = context::with_cancel(context::background());
  cancel_parent();
  auto [child, cancel_child] = context::with_cancel(parent);
  EXPECT_TRUE(is_closed(child.done()));
  EXPECT_TRUE(child.err() == context::canceled);
}

TEST(WithCancel, ANilParentPanics) {
  try {
    context::with_cancel(context::Context());
    FAIL() << "no panic";
  } catch (const Panic& p) {
    EXPECT_STREQ(p.what(), "cannot create context from nil parent");
  }
}

TEST(WithCancel, DoneWorksInASelectAcrossGoroutines) {
  run([] {
    auto [ctx, cancel] = context::with_cancel(context::background());
    auto result = make_chan<std::string>(1);
    go([ctx = ctx, result] {
      auto never = make_chan<int>();
      switch (select(recv(never), recv(ctx.done()))) {
        case 1:
          result.send(ctx.err().message());
          break;
        default:
          result.send("wrong case");
          break;
      }
    });
    cancel();
    EXPECT_EQ(*result.recv(), "context canceled");
  });
}

TEST(WithCancelCause, ReportsTheCause) {
  auto [ctx, cancel] = context::with_cancel_cause(context::background());
  Error why = errors::make("shutting down");
  EXPECT_FALSE(context::cause(ctx)) << "no cause while live";
  cancel(why);
  EXPECT_TRUE(ctx.err() == context::canceled);
  EXPECT_TRUE(context::cause(ctx) == why);
  cancel(errors::make("later"));  // the first cancellation wins
  EXPECT_TRUE(context::cause(ctx) == why);

  auto [nil_cause, cancel2] = context::with_cancel_cause(context::background());
  cancel2(Error());
  EXPECT_TRUE(context::cause(nil_cause) == context::canceled);
}

TEST(WithCancelCause, ChildrenInheritTheParentsCause) {
  auto [parent, cancel] = context::with_cancel_cause(context::background());
  auto [child, cancel_child] = context::with_cancel(parent);
  Error why = errors::make("why");
  cancel(why);
  EXPECT_TRUE(context::cause(child) == why);
  EXPECT_TRUE(child.err() == context::canceled);
}

TEST(WithTimeout, ExpiresWithDeadlineExceeded) {
  run([] {
    auto t0 = time::now();
    auto [ctx, cancel] = context::with_timeout(context::background(), 20ms);
    ASSERT_TRUE(ctx.deadline().has_value());
    EXPECT_GE(*ctx.deadline() - t0, 20ms);
    EXPECT_LE(*ctx.deadline() - t0, 20ms + kLateBound);
    ctx.done().recv();
    auto took = time::since(t0);
    EXPECT_GE(took, 20ms) << "cancelled before its deadline";
    EXPECT_LE(took, 20ms + kLateBound);
    EXPECT_TRUE(ctx.err() == context::deadline_exceeded);
    EXPECT_TRUE(ctx.err().get()->timeout());
    EXPECT_TRUE(context::cause(ctx) == context::deadline_exceeded);
    cancel();
    EXPECT_TRUE(ctx.err() == context::deadline_exceeded) << "the first cancellation wins";
  });
}

TEST(WithTimeout, CancelBeforeTheDeadline) {
  auto [ctx, cancel] = context::with_timeout(context::background(), 1h);
  cancel();
  EXPECT_TRUE(ctx.err() == context::canceled);
}

TEST(WithTimeout, APastDeadlineIsAlreadyExpired) {
  auto [ctx, cancel] = context::with_deadline(context::background(), time::now() - 1s);
  EXPECT_TRUE(is_closed(ctx.done()));
  EXPECT_TRUE(ctx.err() == context::deadline_exceeded);
}

TEST(WithTimeout, AChildNeverOutlivesItsParentsDeadline) {
  run([] {
    auto [parent, cancel_parent] = context::with_timeout(context::background(), 15ms);
    auto [child, cancel_child] = context::with_timeout(parent, 1h);
    ASSERT_TRUE(child.deadline().has_value());
    EXPECT_EQ(*child.deadline(), *parent.deadline()) << "the earlier deadline wins";
    auto [shorter, cancel_shorter] = context::with_timeout(parent, 5ms);
    EXPECT_LT(*shorter.deadline(), *parent.deadline());
    child.done().recv();
    EXPECT_TRUE(child.err() == context::deadline_exceeded);
  });
}

TEST(WithTimeoutCause, ReportsTheCauseOnExpiry) {
  run([] {
    Error slow = errors::make("backend too slow");
    auto [ctx, cancel] = context::with_timeout_cause(context::background(), 5ms, slow);
    ctx.done().recv();
    EXPECT_TRUE(ctx.err() == context::deadline_exceeded);
    EXPECT_TRUE(context::cause(ctx) == slow);
  });
}

TEST(WithTimeoutCause, AnExplicitCancelDoesNotSetTheCause) {
  Error slow = errors::make("slow");
  auto [ctx, cancel] = context::with_timeout_cause(context::background(), 1h, slow);
  cancel();
  EXPECT_TRUE(context::cause(ctx) == context::canceled);
}

TEST(WithValue, FindsOwnAndAncestorValuesByTypeAndValue) {
  auto a = context::with_value(context::background(), "userID", "jane");
  auto b = context::with_value(a, "authToken", "abc123");
  auto c = context::with_value(b, Key1{1}, 10);
  EXPECT_EQ(b.value<std::string>("userID"), std::optional<std::string>("jane"));
  EXPECT_EQ(b.value<std::string>("authToken"), std::optional<std::string>("abc123"));
  EXPECT_FALSE(b.value("nope").has_value());
  EXPECT_EQ(c.value<int>(Key1{1}), std::optional<int>(10));
  EXPECT_FALSE(c.value(Key2{1}).has_value()) << "same value, different key type";
  EXPECT_FALSE(c.value(Key1{2}).has_value());
  auto shadow = context::with_value(c, "userID", "joe");
  EXPECT_EQ(shadow.value<std::string>("userID"), std::optional<std::string>("joe"));
  EXPECT_EQ(a.to_string(), "context.Background.WithValue(userID, jane)");
}

TEST(WithValue, ValuesAndCancellationCompose) {
  auto [ctx, cancel] = context::with_cancel(context::with_value(context::background(), "k", 7));
  EXPECT_EQ(ctx.value<int>("k"), std::optional<int>(7));
  auto v = context::with_value(ctx, "j", 8);
  cancel();
  EXPECT_TRUE(v.err() == context::canceled);
  EXPECT_EQ(v.value<int>("k"), std::optional<int>(7));
}

TEST(WithoutCancel, IsNotCancelledWithItsParentButKeepsValues) {
  auto [parent, cancel] =
      context::with_timeout(context::with_value(context::background(), "k", 1), 1h);
  auto detached = context::without_cancel(parent);
  cancel();
  EXPECT_FALSE(detached.done());
  EXPECT_FALSE(detached.err());
  EXPECT_FALSE(detached.deadline().has_value());
  EXPECT_FALSE(context::cause(detached));
  EXPECT_EQ(detached.value<int>("k"), std::optional<int>(1));
  auto [child, cancel_child] = context::with_cancel(detached);
  EXPECT_FALSE(child.err()) << "a child of a detached context is not cancelled";
  cancel_child();
}

TEST(AfterFunc, RunsOnceInItsOwnGoroutineAfterCancel) {
  run([] {
    auto [ctx, cancel] = context::with_cancel(context::background());
    auto ran = make_chan<uint64_t>(2);
    auto stop = context::after_func(ctx, [ran] { ran.send(runtime::goroutine_id()); });
    cancel();
    cancel();
    uint64_t id = *ran.recv();
    EXPECT_NE(id, runtime::goroutine_id());
    EXPECT_FALSE(stop()) << "f already started";
    EXPECT_FALSE(ran.try_recv().has_value()) << "f ran twice";
  });
}

TEST(AfterFunc, StopBeforeCancelPreventsIt) {
  run([] {
    auto [ctx, cancel] = context::with_cancel(context::background());
    std::atomic<bool> ran{false};
    auto stop = context::after_func(ctx, [&ran] { ran = true; });
    EXPECT_TRUE(stop());
    EXPECT_FALSE(stop());
    cancel();
    for (int i = 0; i < 100; ++i) runtime::gosched();
    EXPECT_FALSE(ran.load());
  });
}

TEST(AfterFunc, AnAlreadyDoneContextStartsItAtOnce) {
  run([] {
    auto [ctx, cancel] = context::with_cancel(context::background());
    cancel();
    auto ran = make_chan<>();
    context::after_func(ctx, [ran] { ran.close(); });
    ran.recv();
  });
}

TEST(AfterFunc, RunsEvenIfStopIsDropped) {
  run([] {
    auto [ctx, cancel] = context::with_timeout(context::background(), 2ms);
    auto ran = make_chan<>();
    {
      context::after_func(ctx, [ran] { ran.close(); });
    }
    ran.recv();
  });
}

TEST(Registry, CancelledAndDroppedChildrenLeaveTheParent) {
  auto [root, cancel_root] = context::with_cancel(context::background());
  std::int64_t live = gocxx::detail::live_nodes();
  for (int i = 0; i < 10000; ++i) {
    auto [c, cancel] = context::with_cancel(root);
    if (i % 2 == 0) cancel();  // cancelled ones leave at once, the rest when dropped
  }
  for (int i = 0; i < 1000; ++i) {
    auto [c, cancel] = context::with_timeout(root, 1h);
    auto stop = context::after_func(c, [] {});
    stop();
  }
  EXPECT_EQ(gocxx::detail::registered_children(root), 0u);
  EXPECT_LE(gocxx::detail::live_nodes(), live)
      << "contexts leaked";  // earlier tests' may die meanwhile
  cancel_root();
}

TEST(ContextStress, CancellationRacesNewChildrenAndDeadlines) {
  // 10,000 contexts cancelled while children are being created under them and
  // deadlines fire: every goroutine observes its cancellation exactly once, and
  // every context is freed afterwards.
  (void)context::background();  // the root is static: made once, never freed
  std::int64_t live_before = gocxx::detail::live_nodes();
  run_with_procs(2, [] {
    const int kRoots = rt::kUnderSanitizer ? 1000 : 10000;
    std::atomic<int> observed{0};
    std::atomic<int> started{0};
    sync::WaitGroup wg;
    for (int r = 0; r < kRoots; ++r) {
      auto [root, cancel_root] = context::with_cancel(context::background());
      // A creator adds children while the canceller and a deadline race it.
      wg.go([&, root = root] {
        for (int k = 0; k < 3; ++k) {
          auto [child, cancel_child] =
              k == 2 ? context::with_timeout(root, std::chrono::microseconds(50))
                     : context::with_cancel(root);
          ++started;
          wg.go([&, child = child, cancel_child = cancel_child] {
            child.done().recv();
            Error e = child.err();
            if (e == context::canceled || e == context::deadline_exceeded) ++observed;
            cancel_child();
          });
        }
      });
      wg.go([cancel_root = cancel_root] { cancel_root(); });
    }
    wg.wait();
    EXPECT_EQ(observed.load(), started.load());
    EXPECT_EQ(started.load(), kRoots * 3);
  });
  // Timers of expired deadlines may still hold a context until they run.
  EXPECT_TRUE(eventually([&] { return gocxx::detail::live_nodes() == live_before; }))
      << gocxx::detail::live_nodes() - live_before << " contexts leaked";
}
