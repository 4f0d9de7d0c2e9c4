// os/signal: signals relayed to channels through the poller, stop, ignore,
// reset, notify_context and its cause.
#include "gocxx/signal.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <pthread.h>

#include <csignal>

#include "gocxx/gocxx.hpp"
#include "test_util.hpp"

namespace gocxx {
namespace {

using namespace std::chrono_literals;
using testing::run_with_procs;

int send_signal(int sig) {
  return kill(getpid(), sig);
}

TEST(Signal, NotifyRelaysASignalToEveryRegisteredChannel) {
  run_with_procs(2, [] {
    auto a = make_chan<int>(1);
    auto b = make_chan<int>(1);
    signal::notify(a, {SIGUSR1});
    signal::notify(b, {SIGUSR1, SIGUSR2});
    ASSERT_EQ(send_signal(SIGUSR1), 0);
    EXPECT_EQ(*a.recv(), SIGUSR1);
    EXPECT_EQ(*b.recv(), SIGUSR1);
    ASSERT_EQ(send_signal(SIGUSR2), 0);
    EXPECT_EQ(*b.recv(), SIGUSR2);
    EXPECT_FALSE(a.try_recv().has_value());  // a is not registered for SIGUSR2
    signal::stop(a);
    signal::stop(b);
  });
}

TEST(Signal, AFullChannelMissesTheSignalWithoutBlockingTheRelay) {
  run_with_procs(2, [] {
    auto full = make_chan<int>(1);
    auto other = make_chan<int>(1);
    full.send(0);  // nobody empties it
    signal::notify(full, {SIGUSR1});
    signal::notify(other, {SIGUSR1});
    ASSERT_EQ(send_signal(SIGUSR1), 0);
    EXPECT_EQ(*other.recv(), SIGUSR1);  // delivered although `full` could not take it
    EXPECT_EQ(*full.recv(), 0);
    EXPECT_FALSE(full.try_recv().has_value());
    signal::stop(full);
    signal::stop(other);
  });
}

TEST(Signal, StopEndsDeliveryAndRestoresTheDefaultAction) {
  // In a child: after stop, SIGUSR1's default action ends the process.
  EXPECT_EXIT(
      {
        run([] {
          auto ch = make_chan<int>(1);
          signal::notify(ch, {SIGUSR1});
          send_signal(SIGUSR1);
          if (*ch.recv() != SIGUSR1) std::_Exit(3);
          signal::stop(ch);
          kill(getpid(), SIGUSR1);  // the default action: terminate
          time::sleep(10s);
        });
        std::_Exit(0);
      },
      ::testing::KilledBySignal(SIGUSR1), "");
}

TEST(Signal, IgnoreAndReset) {
  EXPECT_EXIT(
      {
        run([] {
          signal::ignore({SIGUSR2});
          if (!signal::ignored(SIGUSR2)) std::_Exit(3);
          kill(getpid(), SIGUSR2);  // ignored
          signal::reset({SIGUSR2});
          if (signal::ignored(SIGUSR2)) std::_Exit(4);
          kill(getpid(), SIGUSR2);  // default again: terminate
          time::sleep(10s);
        });
        std::_Exit(0);
      },
      ::testing::KilledBySignal(SIGUSR2), "");
}

TEST(Signal, NotifyContextIsCancelledWithTheSignalAsItsCause) {
  run_with_procs(2, [] {
    auto [ctx, stop] = signal::notify_context(context::background(), {SIGUSR2});
    EXPECT_FALSE(ctx.err());
    ASSERT_EQ(send_signal(SIGUSR2), 0);
    auto timeout = time::after(30s);
    bool done = false;
    select(recv(ctx.done(), [&](auto) { done = true; }), recv(timeout));
    ASSERT_TRUE(done);
    EXPECT_TRUE(errors::is(ctx.err(), context::canceled));
    EXPECT_EQ(context::cause(ctx).message(), "user defined signal 2 signal received");
    stop();
  });
}

TEST(Signal, NotifyContextStopCancelsWithoutASignal) {
  run_with_procs(1, [] {
    auto [ctx, stop] = signal::notify_context(context::background(), {SIGUSR1});
    stop();
    ctx.done().recv();
    EXPECT_EQ(ctx.err(), context::canceled);
  });
}

TEST(Signal, NamesAreGos) {
  EXPECT_EQ(signal::name(SIGINT), "interrupt");
  EXPECT_EQ(signal::name(SIGTERM), "terminated");
  EXPECT_EQ(signal::name(SIGHUP), "hangup");
  EXPECT_EQ(signal::name(SIGUSR1), "user defined signal 1");
  EXPECT_THROW(signal::notify(SendChan<int>(), {SIGINT}), Panic);
  EXPECT_THROW(signal::notify(make_chan<int>(1), {SIGKILL}), Panic);
}

}  // namespace
}  // namespace gocxx
