// The patterns package: each pattern's order, completeness (checksums), closing,
// cancellation, and that no goroutine is left behind (goroutine counts before and
// after, and the goroutine-leak profile).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "gocxx/testing.hpp"
#include "test_util.hpp"

using namespace gocxx;
using namespace std::chrono_literals;
using gocxx::testing::eventually;
using gocxx::testing::run_with_procs;

namespace {

template <class T>
std::vector<T> drain(const RecvChan<T>& c) {
  std::vector<T> out;
  for (T v : c) out.push_back(v);
  return out;
}

// Waits (boundedly: stopped stages end within a few steps) until only `count`
// goroutines are left.
bool settles_to(std::int64_t count) {
  return eventually([&] { return runtime::num_goroutine() == count; });
}

// Runs body as a main goroutine and checks that every goroutine it started has
// ended once it returns.
void without_leaks(int procs, const std::function<void()>& body) {
  run_with_procs(procs, [&] {
    // The previous test's main goroutine may still be on its way out after its
    // run() returned: wait for it, so that it is not counted here.
    eventually([] { return runtime::num_goroutine() == 1; }, std::chrono::seconds(5));
    std::int64_t before = runtime::num_goroutine();
    body();
    EXPECT_TRUE(eventually([&] { return runtime::num_goroutine() == before; }))
        << runtime::num_goroutine() << " goroutines, " << before << " before\n"
        << runtime::stack(true);
  });
}

}  // namespace

TEST(PatternsDone, ChannelContextAndNever) {
  run_with_procs(1, [] {
    patterns::Done never;
    EXPECT_FALSE(never.chan());
    EXPECT_FALSE(never.stopped());
    Chan<> done = make_chan<>();
    patterns::Done by_chan(done);
    EXPECT_FALSE(by_chan.stopped());
    done.close();
    EXPECT_TRUE(by_chan.stopped());
    auto [ctx, cancel] = context::with_cancel(context::background());
    patterns::Done by_ctx(ctx);
    EXPECT_FALSE(by_ctx.stopped());
    cancel();
    EXPECT_TRUE(by_ctx.stopped());
  });
}

TEST(PatternsForSelect, SendOrDoneAndRecvOrDone) {
  without_leaks(2, [] {
    Chan<> done = make_chan<>();
    Chan<int> c = make_chan<int>(1);
    EXPECT_TRUE(patterns::send_or_done(done, c, 7));
    EXPECT_EQ(patterns::recv_or_done(done, c), 7);
    done.close();
    EXPECT_FALSE(patterns::send_or_done(done, make_chan<int>(), 1));  // nobody receives
    EXPECT_EQ(patterns::recv_or_done(done, make_chan<int>()), std::nullopt);
    Chan<int> closed = make_chan<int>();
    closed.close();
    EXPECT_EQ(patterns::recv_or_done(patterns::Done(), closed), std::nullopt);
  });
}

TEST(PatternsForSelect, PulseDropsWhenNobodyTakesIt) {
  Chan<> beats = make_chan<>(1);
  EXPECT_TRUE(patterns::pulse(beats));
  EXPECT_FALSE(patterns::pulse(beats));  // one pending at most
  EXPECT_TRUE(beats.try_recv().has_value());
  EXPECT_TRUE(patterns::pulse(beats));
  EXPECT_FALSE(patterns::pulse(make_chan<>()));  // unbuffered, nobody receiving
}

TEST(PatternsSources, GeneratorSendsInOrderThenCloses) {
  without_leaks(2, [] {
    Chan<> done = make_chan<>();
    EXPECT_EQ(drain(patterns::generator(done, 1, 2, 3, 4)), (std::vector<int>{1, 2, 3, 4}));
    EXPECT_EQ(drain(patterns::generator(done, std::vector<std::string>{"a", "b"})),
              (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(drain(patterns::generator(done, std::vector<int>{})).empty());
    // Cancelled half-way, nobody reading: it ends and closes its output.
    std::int64_t before = runtime::num_goroutine();
    RecvChan<int> g = patterns::generator(done, 1, 2, 3);
    EXPECT_EQ(*g.recv(), 1);
    done.close();
    EXPECT_TRUE(settles_to(before));
    EXPECT_TRUE(drain(g).empty());
  });
}

TEST(PatternsSources, RepeatCyclesUntilDone) {
  without_leaks(2, [] {
    auto [ctx, cancel] = context::with_cancel(context::background());
    std::int64_t before = runtime::num_goroutine();
    RecvChan<int> r = patterns::repeat(ctx, 1, 2, 3);
    std::vector<int> got;
    for (int i = 0; i < 7; ++i) got.push_back(*r.recv());
    EXPECT_EQ(got, (std::vector<int>{1, 2, 3, 1, 2, 3, 1}));
    cancel();  // nobody reading: it ends, and its output is closed
    EXPECT_TRUE(settles_to(before));
    EXPECT_TRUE(drain(r).empty());
    EXPECT_TRUE(drain(patterns::repeat(ctx, std::vector<int>{})).empty());
  });
}

TEST(PatternsSources, RepeatFnCallsAtMostOnceMoreThanTaken) {
  without_leaks(2, [] {
    Chan<> done = make_chan<>();
    std::int64_t before = runtime::num_goroutine();
    std::atomic<int> calls{0};
    RecvChan<int> r = patterns::repeat_fn(done, [&calls] { return calls.fetch_add(1) + 1; });
    EXPECT_EQ(drain(patterns::take(done, r, 5)), (std::vector<int>{1, 2, 3, 4, 5}));
    done.close();  // the sixth result, if made, waits for a reader that never comes
    EXPECT_TRUE(settles_to(before));
    EXPECT_GE(calls.load(), 5);
    EXPECT_LE(calls.load(), 6);
  });
}

TEST(PatternsStages, TakeReadsExactlyN) {
  without_leaks(2, [] {
    Chan<> done = make_chan<>();
    Chan<int> src = make_chan<int>(10);
    for (int i = 0; i < 10; ++i) src.send(i);
    EXPECT_EQ(drain(patterns::take(done, src, 3)), (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(src.len(), 7);  // the fourth was never read
    EXPECT_TRUE(drain(patterns::take(done, src, 0)).empty());
    EXPECT_TRUE(drain(patterns::take(done, src, -1)).empty());
    EXPECT_EQ(src.len(), 7);
    src.close();
    EXPECT_EQ(drain(patterns::take(done, src, 100)).size(), 7u);  // fewer: src closed
    done.close();
  });
}

// The tutorial's pipeline (E61): multiply by 2, add 1, multiply by 2.
TEST(PatternsStages, MapAndFilterPipeline) {
  without_leaks(2, [] {
    Chan<> done = make_chan<>();
    auto multiply = [](int by) { return [by](int v) { return v * by; }; };
    auto pipeline = patterns::map(
        done,
        patterns::map(done, patterns::map(done, patterns::generator(done, 1, 2, 3, 4), multiply(2)),
                      [](int v) { return v + 1; }),
        multiply(2));
    EXPECT_EQ(drain(pipeline), (std::vector<int>{6, 10, 14, 18}));
    int calls = 0;
    auto evens =
        patterns::filter(done, patterns::generator(done, 1, 2, 3, 4, 5, 6), [&](const int& v) {
          ++calls;
          return v % 2 == 0;
        });
    EXPECT_EQ(drain(evens), (std::vector<int>{2, 4, 6}));
    EXPECT_EQ(calls, 6);  // once per value
    auto strings = patterns::map(done, patterns::generator(done, 1, 2),
                                 [](int v) { return std::to_string(v); });
    EXPECT_EQ(drain(strings), (std::vector<std::string>{"1", "2"}));
    done.close();
  });
}

TEST(PatternsStages, OrDoneEndsARangeOnDone) {
  without_leaks(2, [] {
    auto [ctx, cancel] = context::with_cancel(context::background());
    Chan<int> silent = make_chan<int>();  // never sends, never closes
    RecvChan<int> c = patterns::or_done(ctx, silent);
    go([cancel = cancel] { cancel(); });
    EXPECT_TRUE(drain(c).empty());
    Chan<int> three = make_chan<int>(3);
    for (int i = 0; i < 3; ++i) three.send(i);
    three.close();
    EXPECT_EQ(drain(patterns::or_done(patterns::Done(), three)), (std::vector<int>{0, 1, 2}));
  });
}

TEST(PatternsStages, TeeDeliversEveryValueToEveryOutput) {
  without_leaks(2, [] {
    Chan<> done = make_chan<>();
    constexpr int kValues = 200;
    std::vector<int> values(kValues);
    std::iota(values.begin(), values.end(), 0);
    auto outs = patterns::tee(done, patterns::generator(done, values), 4);
    ASSERT_EQ(outs.size(), 4u);
    std::vector<std::vector<int>> got(4);
    sync::WaitGroup wg;
    for (int i = 0; i < 4; ++i) wg.go([&, i] { got[i] = drain(outs[i]); });
    wg.wait();
    for (const auto& g : got) EXPECT_EQ(g, values);  // each in input order
    auto [a, b] = patterns::tee(done, patterns::generator(done, 1, 2));
    // Lock-step: b's first value waits until a has taken it too, in either order.
    EXPECT_EQ(*b.recv(), 1);
    EXPECT_EQ(*a.recv(), 1);
    EXPECT_EQ(*a.recv(), 2);
    EXPECT_EQ(*b.recv(), 2);
    EXPECT_TRUE(patterns::tee(done, make_chan<int>(), 0).empty());
    // A reader that stops holds the tee until done.
    auto stuck = patterns::tee(done, patterns::repeat(done, 1), 2);
    EXPECT_EQ(*stuck[0].recv(), 1);
    done.close();
  });
}

TEST(PatternsStages, BridgeFlattensStreamsInOrder) {
  without_leaks(2, [] {
    Chan<RecvChan<int>> streams = make_chan<RecvChan<int>>();
    go([streams] {
      for (int i = 0; i < 5; ++i) {
        Chan<int> s = make_chan<int>(2);
        s.send(2 * i);
        s.send(2 * i + 1);
        s.close();
        streams.send(s);
      }
      streams.close();
    });
    std::vector<int> want(10);
    std::iota(want.begin(), want.end(), 0);
    EXPECT_EQ(drain(patterns::bridge(patterns::Done(), streams)), want);
    // Done stops it while a stream never closes.
    Chan<> done = make_chan<>();
    Chan<RecvChan<int>> stalled = make_chan<RecvChan<int>>(1);
    stalled.send(make_chan<int>());
    RecvChan<int> b = patterns::bridge(done, stalled);
    done.close();
    EXPECT_TRUE(drain(b).empty());
  });
}

// Many inputs, many values: every value exactly once, each input's in order.
TEST(PatternsStages, FanInMergesEverythingOnce) {
  without_leaks(2, [] {
    Chan<> done = make_chan<>();
    constexpr int kInputs = 8, kEach = 500;
    std::vector<RecvChan<std::int64_t>> inputs;
    for (int i = 0; i < kInputs; ++i) {
      std::vector<std::int64_t> vs;
      for (int k = 0; k < kEach; ++k) vs.push_back(std::int64_t{i} * 1'000'000 + k);
      inputs.push_back(patterns::generator(done, vs));
    }
    std::map<std::int64_t, std::int64_t> last;  // per input: the last value seen
    std::int64_t sum = 0, count = 0;
    for (std::int64_t v : patterns::fan_in(done, inputs)) {
      std::int64_t input = v / 1'000'000;
      if (last.count(input) != 0) {
        EXPECT_LT(last[input], v);
      }
      last[input] = v;
      sum += v;
      ++count;
    }
    EXPECT_EQ(count, kInputs * kEach);
    std::int64_t want = 0;
    for (int i = 0; i < kInputs; ++i)
      for (int k = 0; k < kEach; ++k) want += std::int64_t{i} * 1'000'000 + k;
    EXPECT_EQ(sum, want);
    EXPECT_TRUE(drain(patterns::fan_in(done, std::vector<RecvChan<int>>{})).empty());
    EXPECT_EQ(
        drain(patterns::fan_in(done, patterns::generator(done, 1), patterns::generator(done, 1)))
            .size(),
        2u);
    done.close();
  });
}

// The tutorial's fan-out, fan-in prime finder (E66): every prime once.
TEST(PatternsStages, FanOutFanInFindsEveryPrime) {
  without_leaks(2, [] {
    auto [ctx, cancel] = context::with_cancel(context::background());
    auto is_prime = [](int n) {
      if (n < 2) return false;
      for (int d = 2; d * d <= n; ++d)
        if (n % d == 0) return false;
      return true;
    };
    std::vector<int> numbers(2000);
    std::iota(numbers.begin(), numbers.end(), 0);
    auto finders = patterns::fan_out(
        ctx, patterns::generator(ctx, numbers), 4, [&](const patterns::Done& d, RecvChan<int> in) {
          return patterns::filter(d, in, [&](const int& n) { return is_prime(n); });
        });
    ASSERT_EQ(finders.size(), 4u);
    std::vector<int> primes = drain(patterns::fan_in(ctx, finders));
    std::sort(primes.begin(), primes.end());
    std::vector<int> want;
    for (int n : numbers)
      if (is_prime(n)) want.push_back(n);
    EXPECT_EQ(primes, want);
    cancel();
  });
}

TEST(PatternsOrChannel, ClosesWhenAnyInputDoes) {
  without_leaks(2, [] {
    EXPECT_FALSE(patterns::or_channel(std::vector<RecvChan<>>{}));  // nil
    Chan<> only = make_chan<>();
    EXPECT_TRUE(patterns::or_channel(only) == RecvChan<>(only));  // that channel itself
    std::vector<Chan<>> inputs;
    for (int i = 0; i < 10; ++i) inputs.push_back(make_chan<>());
    std::vector<RecvChan<>> views(inputs.begin(), inputs.end());
    RecvChan<> any = patterns::or_channel(views);
    EXPECT_FALSE(any.try_recv().has_value());
    inputs[7].close();
    EXPECT_EQ(any.recv(), std::nullopt);  // closed
    Chan<> a = make_chan<>(), b = make_chan<>(1);
    RecvChan<> either = patterns::or_channel(a, b);
    b.send();  // a value counts too
    EXPECT_EQ(either.recv(), std::nullopt);
  });
}

TEST(PatternsHeartbeat, PulsesWhileWaitingAndForwardsValues) {
  without_leaks(2, [] {
    Chan<> done = make_chan<>();
    Chan<int> in = make_chan<int>();
    auto [beats, out] = patterns::heartbeat(done, 2ms, in);
    EXPECT_EQ(beats.recv(), Unit{});  // while it waits for a value
    in.send(1);
    EXPECT_EQ(beats.recv(), Unit{});  // while it waits for us to take the value
    EXPECT_EQ(out.recv(), 1);
    in.close();
    EXPECT_EQ(out.recv(), std::nullopt);
    drain(beats);  // closed too (a pulse may still be pending)
    auto [b2, o2] = patterns::heartbeat(done, 1h, make_chan<int>());
    done.close();
    EXPECT_EQ(o2.recv(), std::nullopt);
    drain(b2);
    EXPECT_THROW(patterns::heartbeat(done, 0ms, in), Panic);
  });
}

TEST(PatternsHeartbeat, OnePulsePerValue) {
  without_leaks(2, [] {
    Chan<> done = make_chan<>();
    auto [beats, out] = patterns::heartbeat_per_value(done, patterns::generator(done, 1, 2, 3));
    for (int want = 1; want <= 3; ++want) {
      EXPECT_EQ(beats.recv(), Unit{});  // before each value
      EXPECT_EQ(out.recv(), want);
    }
    EXPECT_EQ(out.recv(), std::nullopt);
    EXPECT_EQ(beats.recv(), std::nullopt);
    done.close();
  });
}

TEST(PatternsSteward, RestartsAWardThatStopsBeating) {
  without_leaks(2, [] {
    Chan<> done = make_chan<>();
    std::atomic<int> starts{0}, restarts{0};
    Chan<> ward_ended = make_chan<>(100'000);
    patterns::StartFn irresponsible = [&](patterns::Done ward_done, time::Duration) {
      starts.fetch_add(1);
      go([ward_done, ward_ended] {
        ward_done.chan().recv();  // never beats; waits to be told to stop
        ward_ended.send();
      });
      return RecvChan<>();  // a nil heartbeat: never beats
    };
    patterns::Steward steward(5ms, irresponsible, [&] { restarts.fetch_add(1); });
    RecvChan<> beats = steward(done, 1ms);
    EXPECT_TRUE(eventually([&] { return restarts.load() >= 2; }));
    EXPECT_EQ(beats.recv(), Unit{});  // the steward pulses meanwhile
    ward_ended.recv();                // a replaced ward was told to stop
    done.close();
    drain(beats);  // then its heartbeat closes
    // Every ward was told to stop: the replaced ones, and the last one on done.
    EXPECT_TRUE(eventually([&] { return ward_ended.len() + 1 == starts.load(); }));
    EXPECT_EQ(starts.load(), restarts.load() + 1);
  });
}

// In a fake-time bubble (gocxx::testing::bubble): the ward's 1 ms beats and the
// stewards' 150 ms and 300 ms windows are exact, so no stall of the machine can
// make the ward look unhealthy, and 700 ms of watching take no real time.
TEST(PatternsSteward, KeepsAWardThatBeatsAndNests) {
  without_leaks(2, [] {
    gocxx::testing::bubble([] {
      Chan<> done = make_chan<>();
      std::atomic<int> restarts{0};
      patterns::StartFn healthy = [](patterns::Done ward_done, time::Duration) {
        Chan<> beats = make_chan<>(1);
        go([ward_done, beats] {
          auto tick = time::new_ticker(1ms);
          for (bool on = true; on;) {
            select(recv(tick.c, [&](auto) { patterns::pulse(beats); }),
                   recv(ward_done.chan(), [&](auto) { on = false; }));
          }
          tick.stop();
          beats.close();
        });
        return RecvChan<>(beats);
      };
      // A steward (timeout 300 ms) watching a steward (which pulses every 150 ms
      // for it) of the healthy ward; run past two of the outer steward's windows.
      patterns::Steward inner(150ms, healthy, [&] { restarts.fetch_add(1); });
      patterns::Steward outer(300ms, inner, [&] { restarts.fetch_add(1); });
      RecvChan<> beats = outer(done, 5ms);
      auto start = time::now();
      int pulses = 0;
      while (time::since(start) < 700ms) {
        beats.recv();
        ++pulses;
      }
      EXPECT_EQ(restarts.load(), 0);
      EXPECT_EQ(pulses, 140);  // every 5 ms, exactly
      EXPECT_EQ(time::since(start), 700ms);
      done.close();
      drain(beats);
    });
  });
}

// The same steward as the tutorial's demonstration, on the fake clock: a ward
// that never beats is replaced at every 5 ms timeout, exactly.
TEST(PatternsSteward, RestartsAtEveryTimeoutOnTheFakeClock) {
  gocxx::testing::bubble([] {
    Chan<> done = make_chan<>();
    std::vector<time::Duration> restarts;
    auto start = time::now();
    patterns::StartFn irresponsible = [](patterns::Done ward_done, time::Duration) {
      go([ward_done] { ward_done.chan().recv(); });
      return RecvChan<>();
    };
    patterns::Steward steward(5ms, irresponsible, [&] { restarts.push_back(time::since(start)); });
    RecvChan<> beats = steward(done, 1h);
    time::sleep(22ms);
    done.close();
    drain(beats);
    EXPECT_EQ(restarts, (std::vector<time::Duration>{5ms, 10ms, 15ms, 20ms}));
  });
}

// Without done, a stage nobody reads is a leak the goroutine-leak profile finds;
// with done closed, nothing is left.
TEST(PatternsLeaks, TheLeakProfileSeesAnAbandonedStageAndNotACancelledOne) {
  GOCXX_IN_FRESH_PROCESS(run([] {
    pprof::Profile* leaks = pprof::lookup("goroutineleak");
    ASSERT_NE(leaks, nullptr);
    std::int64_t before = leaks->count();
    {
      Chan<> done = make_chan<>();
      RecvChan<int> r = patterns::repeat(done, 1, 2);
      r.recv();
      done.close();
    }
    EXPECT_TRUE(eventually([&] { return leaks->count() == before; }));
    { patterns::repeat(patterns::Done(), 1, 2).recv(); }  // abandoned, never stopped
    EXPECT_TRUE(eventually([&] { return leaks->count() == before + 1; }));
  }));
}
