// The patterns package: the tutorial's concurrency patterns ("Concurrency in Go",
// chapters 4 and 5) as small, leak-free functions.
//
//   auto [ctx, cancel] = context::with_cancel(context::background());
//   auto rand = patterns::repeat_fn(ctx, [] { return std::rand(); });
//   for (int v : patterns::take(ctx, rand, 10)) std::printf("%d\n", v);
//   cancel();  // every goroutine the pipeline started ends
//
// Every stage takes first what stops it, a Done: a done channel (closed to stop) or
// a context (stopped when its done() closes). Its outputs are new unbuffered
// channels (a heartbeat channel has a buffer of 1), handed back at once; its work
// runs in goroutines it starts. Apart from send_or_done and pulse, which send on
// the channel they are given, no function closes, or sends on, a channel it was
// given.
//
// Order: generator, repeat, take, map, filter, or_done, bridge and each tee output
// deliver values in input order; fan_in keeps each input's order. Completeness:
// every value read from an input is delivered exactly once to the output (tee: to
// every output), but for the one in flight when done stops the stage. A stage holds
// at most one value in flight: it reads the next value only after handing the last
// one on, so take(n) reads exactly n values (fewer if its input closes first), map's
// f and filter's pred run once per value in the stage's goroutine, and repeat_fn
// calls fn again only once the previous result was taken.
//
// Closing: an output is closed when its stage's work is done (after the last
// value; when the input is closed and drained) or when done stops it (repeat and
// repeat_fn end only so). Once done is closed, every goroutine a stage started
// stops within a bounded number of steps, even if nobody reads its outputs or its
// input never sends (it may still complete a send a receiver is taking at that
// moment), closes its outputs and returns. A stage whose consumer stops reading
// while done stays open stays blocked, as in Go: closing done is how to end it.
//
// Parameters written RecvChan<T> also take a Chan<T>, and SendChan<T> a Chan<T>;
// elements must be copy-constructible and nothrow-movable.
#pragma once

#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "chan.hpp"
#include "context.hpp"
#include "errors.hpp"
#include "runtime.hpp"
#include "select.hpp"
#include "time.hpp"

namespace gocxx::patterns {

// What stops a pattern: a done channel or a context.
class Done {
 public:
  // Never stops (Go's nil done channel).
  Done() noexcept = default;
  // Stops when done is closed.
  Done(RecvChan<> done) noexcept : chan_(std::move(done)) {}  // NOLINT(google-explicit-constructor)
  Done(const Chan<>& done) noexcept : chan_(done) {}          // NOLINT(google-explicit-constructor)
  // Stops when ctx.done() closes; keeps ctx alive.
  Done(context::Context ctx);  // NOLINT(google-explicit-constructor)

  // The channel to select on: closed once stopped; nil for Done().
  const RecvChan<>& chan() const noexcept { return chan_; }
  // Whether it has stopped (done is closed).
  bool stopped() const;

 private:
  RecvChan<> chan_;
  context::Context ctx_;
};

// A value and its error, traveling together (the tutorial's 错误处理: errors are
// results of the stage, for its consumer to handle).
template <class T>
struct Result {
  T value{};
  Error err;
};

namespace detail {

template <class C>
using elem_t = typename std::remove_cvref_t<C>::value_type;

// What a stream of streams (bridge) carries: RecvChan<T> or Chan<T> elements.
template <class S>
struct StreamOf;
template <class T>
struct StreamOf<RecvChan<T>> {
  using type = T;
};
template <class T>
struct StreamOf<Chan<T>> {
  using type = T;
};

// A channel of the stage's element type, closed at once (no values, no goroutine).
template <class T>
RecvChan<T> closed_chan() {
  Chan<T> c = make_chan<T>();
  c.close();
  return c;
}

// What a receive that done may interrupt got.
template <class T>
struct Received {
  std::optional<T> value;  // the value; empty when the input closed or done stopped it
  bool stopped = false;    // done stopped it
};

// The for-select receive. Only a receive that must wait selects: done is looked at
// first without a lock (a stage goroutine's done is shared by every stage, so
// locking it on each value makes its cache line travel between processors), then
// in alone. Where both are ready either answer is one select could give.
template <class T, class C>
Received<T> recv_unless_done(const Done& done, const C& in) {
  Received<T> r;
  if (!done.chan()) {
    r.value = in.recv();
    return r;
  }
  if (done.chan().try_recv()) {
    r.stopped = true;
    return r;
  }
  if (std::optional<std::optional<T>> ready = in.try_recv()) {
    r.value = std::move(*ready);
    return r;
  }
  if (select(recv(in, r.value), recv(done.chan())) == 1) r.stopped = true;
  return r;
}

// The for-select send, with recv_unless_done's fast paths.
template <class C, class T>
bool send_unless_done(const Done& done, const C& out, T&& value) {
  if (!done.chan()) {
    out.send(std::move(value));
    return true;
  }
  if (done.chan().try_recv()) return false;
  if (out.try_send(std::move(value))) return true;
  return select(send(out, std::move(value)), recv(done.chan())) == 0;
}

// Shuts a stage's outputs when its goroutine ends, however it ends.
template <class T>
struct CloseOnExit {
  Chan<T> out;
  ~CloseOnExit() { out.close(); }
};

void check_interval(time::Duration interval);

// The variadic sources' values, as the vector their other overloads take.
template <class T, class... U>
std::vector<T> values_of(T first, U... rest) {
  std::vector<T> values;
  values.reserve(1 + sizeof...(U));
  values.push_back(std::move(first));
  (values.push_back(T(std::move(rest))), ...);
  return values;
}

}  // namespace detail

// --- for-select building blocks ---------------------------------------------

// The for-select send: blocks until out takes value (true) or done stops (false).
template <::gocxx::detail::SendableChan C, class V>
requires std::convertible_to<V, detail::elem_t<C>>
bool send_or_done(const Done& done, const C& out, V&& value) {
  using T = detail::elem_t<C>;
  return detail::send_unless_done(done, out, T(std::forward<V>(value)));
}

// The for-select receive: the next value of in; nullopt when in is closed or done
// stops first.
template <::gocxx::detail::RecvableChan C>
std::optional<detail::elem_t<C>> recv_or_done(const Done& done, const C& in) {
  return detail::recv_unless_done<detail::elem_t<C>>(done, in).value;
}

// A non-blocking send of a heartbeat: false when the pulse was dropped (the
// channel's buffer was full, or nobody was receiving).
bool pulse(const SendChan<>& heartbeat);

// --- sources ------------------------------------------------------------------

// Sends values, in order, then closes the output.
template <class T>
RecvChan<T> generator(Done done, std::vector<T> values) {
  if (values.empty()) return detail::closed_chan<T>();
  Chan<T> out = make_chan<T>();
  go([done = std::move(done), out, values = std::move(values)] {
    detail::CloseOnExit<T> closer{out};
    for (const T& v : values) {
      if (!send_or_done(done, out, v)) return;
    }
  });
  return out;
}

template <class T, class... U>
requires(std::convertible_to<U, T>&&...) RecvChan<T> generator(Done done, T first, U... rest) {
  return generator(std::move(done), detail::values_of(std::move(first), std::move(rest)...));
}

// Sends values over and over, until done.
template <class T>
RecvChan<T> repeat(Done done, std::vector<T> values) {
  if (values.empty()) return detail::closed_chan<T>();
  Chan<T> out = make_chan<T>();
  go([done = std::move(done), out, values = std::move(values)] {
    detail::CloseOnExit<T> closer{out};
    for (;;) {
      for (const T& v : values) {
        if (!send_or_done(done, out, v)) return;
      }
    }
  });
  return out;
}

template <class T, class... U>
requires(std::convertible_to<U, T>&&...) RecvChan<T> repeat(Done done, T first, U... rest) {
  return repeat(std::move(done), detail::values_of(std::move(first), std::move(rest)...));
}

// Sends fn()'s results until done; fn runs in the stage's goroutine, again only
// once its previous result was taken.
template <class F>
requires std::invocable<F&> RecvChan<std::invoke_result_t<F&>> repeat_fn(Done done, F fn) {
  using T = std::invoke_result_t<F&>;
  Chan<T> out = make_chan<T>();
  go([done = std::move(done), out, fn = std::move(fn)]() mutable {
    detail::CloseOnExit<T> closer{out};
    for (;;) {
      if (!send_or_done(done, out, fn())) return;
    }
  });
  return out;
}

// --- stages ---------------------------------------------------------------------

// The first n values of in (n <= 0: none, and in is not read).
template <::gocxx::detail::RecvableChan C>
RecvChan<detail::elem_t<C>> take(Done done, const C& in, std::int64_t n) {
  using T = detail::elem_t<C>;
  if (n <= 0) return detail::closed_chan<T>();
  Chan<T> out = make_chan<T>();
  go([done = std::move(done), out, in = RecvChan<T>(in), n] {
    detail::CloseOnExit<T> closer{out};
    for (std::int64_t i = 0; i < n; ++i) {
      std::optional<T> v = recv_or_done(done, in);
      if (!v || !send_or_done(done, out, std::move(*v))) return;
    }
  });
  return out;
}

// f(v) for each value v of in.
template <::gocxx::detail::RecvableChan C, class F>
requires std::invocable<F&, detail::elem_t<C>> RecvChan<std::invoke_result_t<F&, detail::elem_t<C>>>
map(Done done, const C& in, F f) {
  using T = detail::elem_t<C>;
  using R = std::invoke_result_t<F&, T>;
  Chan<R> out = make_chan<R>();
  go([done = std::move(done), out, in = RecvChan<T>(in), f = std::move(f)]() mutable {
    detail::CloseOnExit<R> closer{out};
    for (;;) {
      std::optional<T> v = recv_or_done(done, in);
      if (!v || !send_or_done(done, out, f(std::move(*v)))) return;
    }
  });
  return out;
}

// The values v of in with pred(v) true.
template <::gocxx::detail::RecvableChan C, class P>
requires std::predicate < P&, const detail::elem_t<C>
& > RecvChan<detail::elem_t<C>> filter(Done done, const C& in, P pred) {
  using T = detail::elem_t<C>;
  Chan<T> out = make_chan<T>();
  go([done = std::move(done), out, in = RecvChan<T>(in), pred = std::move(pred)]() mutable {
    detail::CloseOnExit<T> closer{out};
    for (;;) {
      std::optional<T> v = recv_or_done(done, in);
      if (!v) return;
      if (pred(static_cast<const T&>(*v)) && !send_or_done(done, out, std::move(*v))) return;
    }
  });
  return out;
}

// in's values until in is closed or done stops (the tutorial's orDone): lets a
// plain range-for over a channel end on done.
template <::gocxx::detail::RecvableChan C>
RecvChan<detail::elem_t<C>> or_done(Done done, const C& in) {
  using T = detail::elem_t<C>;
  Chan<T> out = make_chan<T>();
  go([done = std::move(done), out, in = RecvChan<T>(in)] {
    detail::CloseOnExit<T> closer{out};
    for (;;) {
      std::optional<T> v = recv_or_done(done, in);
      if (!v || !send_or_done(done, out, std::move(*v))) return;
    }
  });
  return out;
}

// Each value of in to every one of n outputs (a copy each, in whichever order the
// readers are ready) before the next is read: outputs advance in lock-step, and a
// reader that stops holds the others back until done. n == 0: no outputs, and in
// is not read.
template <::gocxx::detail::RecvableChan C>
std::vector<RecvChan<detail::elem_t<C>>> tee(Done done, const C& in, std::size_t n) {
  using T = detail::elem_t<C>;
  std::vector<RecvChan<T>> result;
  if (n == 0) return result;
  std::vector<Chan<T>> outs;
  for (std::size_t i = 0; i < n; ++i) {
    outs.push_back(make_chan<T>());
    result.push_back(outs.back());
  }
  go([done = std::move(done), outs = std::move(outs), in = RecvChan<T>(in)] {
    struct CloseAll {
      const std::vector<Chan<T>>& outs;
      ~CloseAll() {
        for (const Chan<T>& c : outs) c.close();
      }
    } closer{outs};
    std::vector<std::size_t> pending;
    std::vector<SelectCase> cases;
    for (;;) {
      std::optional<T> v = recv_or_done(done, in);
      if (!v) return;
      pending.clear();
      for (std::size_t i = 0; i < outs.size(); ++i) pending.push_back(i);
      while (!pending.empty()) {
        cases.clear();
        for (std::size_t i : pending) cases.emplace_back(send(outs[i], T(*v)));
        cases.emplace_back(recv(done.chan()));
        auto chosen = static_cast<std::size_t>(select(cases));
        if (chosen == pending.size()) return;  // done
        pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(chosen));
      }
    }
  });
  return result;
}

// The tutorial's two-way tee.
template <::gocxx::detail::RecvableChan C>
std::pair<RecvChan<detail::elem_t<C>>, RecvChan<detail::elem_t<C>>> tee(Done done, const C& in) {
  auto outs = tee(std::move(done), in, 2);
  return {std::move(outs[0]), std::move(outs[1])};
}

// The values of each stream read from streams, stream after stream, until streams
// is closed and the last stream drained (the tutorial's bridge).
template <::gocxx::detail::RecvableChan S>
requires requires {
  typename detail::StreamOf<detail::elem_t<S>>::type;
}
RecvChan<typename detail::StreamOf<detail::elem_t<S>>::type> bridge(Done done, const S& streams) {
  using Stream = detail::elem_t<S>;
  using T = typename detail::StreamOf<Stream>::type;
  Chan<T> out = make_chan<T>();
  go([done = std::move(done), out, streams = RecvChan<Stream>(streams)] {
    detail::CloseOnExit<T> closer{out};
    for (;;) {
      std::optional<Stream> stream = recv_or_done(done, streams);
      if (!stream) return;
      RecvChan<T> values(std::move(*stream));
      for (;;) {
        detail::Received<T> r = detail::recv_unless_done<T>(done, values);
        if (r.stopped) return;
        if (!r.value) break;  // this stream is drained: the next one
        if (!send_or_done(done, out, std::move(*r.value))) return;
      }
    }
  });
  return out;
}

// The inputs merged into one channel, each input's values in their order; closed
// once every input is closed and drained (the tutorial's fanIn).
template <class T>
RecvChan<T> fan_in(Done done, std::vector<RecvChan<T>> inputs) {
  if (inputs.empty()) return detail::closed_chan<T>();
  Chan<T> out = make_chan<T>();
  auto left = std::make_shared<std::atomic<std::size_t>>(inputs.size());
  for (RecvChan<T>& in : inputs) {
    go([done, out, in = std::move(in), left] {
      struct LastCloses {
        const Chan<T>& out;
        std::atomic<std::size_t>& left;
        ~LastCloses() {
          if (left.fetch_sub(1, std::memory_order_acq_rel) == 1) out.close();
        }
      } closer{out, *left};
      for (;;) {
        std::optional<T> v = recv_or_done(done, in);
        if (!v || !send_or_done(done, out, std::move(*v))) return;
      }
    });
  }
  return out;
}

template <::gocxx::detail::RecvableChan C, class... More>
requires(std::convertible_to<const More&, RecvChan<detail::elem_t<C>>>&&...)
    RecvChan<detail::elem_t<C>> fan_in(Done done, const C& first, const More&... rest) {
  using T = detail::elem_t<C>;
  std::vector<RecvChan<T>> inputs{RecvChan<T>(first), RecvChan<T>(rest)...};
  return fan_in(std::move(done), std::move(inputs));
}

// stage(done, in) started n times, so that n copies of a stage share one input
// (the tutorial's fan-out); fan_in(done, fan_out(...)) is its fan-out, fan-in.
template <::gocxx::detail::RecvableChan C, class S>
requires std::invocable<S&, const Done&, RecvChan<detail::elem_t<C>>>
auto fan_out(Done done, const C& in, std::size_t n, S stage) {
  using T = detail::elem_t<C>;
  using Out = std::remove_cvref_t<std::invoke_result_t<S&, const Done&, RecvChan<T>>>;
  using R = detail::elem_t<Out>;
  std::vector<RecvChan<R>> outs;
  outs.reserve(n);
  for (std::size_t i = 0; i < n; ++i) outs.emplace_back(stage(done, RecvChan<T>(in)));
  return outs;
}

// --- or-channel -----------------------------------------------------------------

// A channel closed as soon as any of chans is closed (or delivers a value). None:
// a nil channel; one: that channel itself. One goroutine waits on all of them and
// ends then; inputs that never close keep it waiting, as in Go.
RecvChan<> or_channel(std::vector<RecvChan<>> chans);

template <class... C>
requires(std::convertible_to<const C&, RecvChan<>>&&...) RecvChan<> or_channel(const C&... chans) {
  return or_channel(std::vector<RecvChan<>>{RecvChan<>(chans)...});
}

// --- heartbeats -----------------------------------------------------------------

// Forwards in on the second channel and, while it waits for a value or for the
// consumer, pulses on the first (buffer 1; a pulse nobody takes is dropped) every
// interval, the first one interval after the call. Both close when in is closed
// and drained, or on done. interval must be positive (else Panic).
template <::gocxx::detail::RecvableChan C>
std::pair<RecvChan<>, RecvChan<detail::elem_t<C>>> heartbeat(Done done, time::Duration interval,
                                                             const C& in) {
  using T = detail::elem_t<C>;
  detail::check_interval(interval);
  Chan<> beats = make_chan<>(1);
  Chan<T> out = make_chan<T>();
  go([done = std::move(done), beats, out, in = RecvChan<T>(in), interval] {
    detail::CloseOnExit<Unit> close_beats{beats};
    detail::CloseOnExit<T> close_out{out};
    time::Ticker ticker = time::new_ticker(interval);
    struct StopTicker {
      time::Ticker& t;
      ~StopTicker() { t.stop(); }
    } stop{ticker};
    for (;;) {
      std::optional<T> v;
      bool have = false;
      while (!have) {
        switch (select(recv(in, v), recv(ticker.c), recv(done.chan()))) {
          case 0:
            if (!v) return;  // in is closed and drained
            have = true;
            break;
          case 1:
            pulse(beats);
            break;
          default:
            return;
        }
      }
      for (bool sent = false; !sent;) {
        switch (select(send(out, T(*v)), recv(ticker.c), recv(done.chan()))) {
          case 0:
            sent = true;
            break;
          case 1:
            pulse(beats);
            break;
          default:
            return;
        }
      }
    }
  });
  return {beats, out};
}

// Forwards in on the second channel, pulsing on the first (buffer 1) once before
// handing over each value. Both close when in is closed and drained, or on done.
template <::gocxx::detail::RecvableChan C>
std::pair<RecvChan<>, RecvChan<detail::elem_t<C>>> heartbeat_per_value(Done done, const C& in) {
  using T = detail::elem_t<C>;
  Chan<> beats = make_chan<>(1);
  Chan<T> out = make_chan<T>();
  go([done = std::move(done), beats, out, in = RecvChan<T>(in)] {
    detail::CloseOnExit<Unit> close_beats{beats};
    detail::CloseOnExit<T> close_out{out};
    for (;;) {
      std::optional<T> v = recv_or_done(done, in);
      if (!v) return;
      pulse(beats);
      if (!send_or_done(done, out, std::move(*v))) return;
    }
  });
  return {beats, out};
}

// --- steward --------------------------------------------------------------------

// What a steward starts and watches (the tutorial's startGoroutineFn): a ward
// started with its own Done and a pulse interval, returning its heartbeat channel.
using StartFn = std::function<RecvChan<>(Done done, time::Duration pulse_interval)>;

// The tutorial's newSteward: itself a StartFn, so stewards nest. Each call starts
// a steward goroutine and returns its heartbeat channel (buffer 1; a pulse every
// pulse_interval, none if pulse_interval <= 0). The steward starts its ward with
// start(ward_done, timeout / 2); ward_done is closed when the steward's done is,
// or when it replaces the ward. A ward heartbeat restarts the timeout window;
// when timeout passes without one (a nil heartbeat channel never beats, a closed
// one has stopped), the steward calls on_restart (if set), closes the ward's
// ward_done and starts a new ward. Once done is closed it closes the ward's
// ward_done and its own heartbeat channel, and returns.
class Steward {
 public:
  Steward(time::Duration timeout, StartFn start, std::function<void()> on_restart = {});
  RecvChan<> operator()(Done done, time::Duration pulse_interval) const;

 private:
  time::Duration timeout_;
  StartFn start_;
  std::function<void()> on_restart_;
};

}  // namespace gocxx::patterns
