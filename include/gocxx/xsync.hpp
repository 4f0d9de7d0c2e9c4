// golang.org/x/sync: errgroup (ErrGroup), semaphore (Semaphore) and
// singleflight (SingleFlight), in namespace gocxx::sync beside the sync package.
// The only part of sync that needs context. <gocxx/gocxx.hpp> includes it.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "chan.hpp"
#include "context.hpp"
#include "errors.hpp"
#include "runtime.hpp"
#include "sync.hpp"

namespace gocxx::sync {

// golang.org/x/sync/errgroup.Group: goroutines working on subtasks of one task.
//
//   auto [g, ctx] = sync::ErrGroup::with_context(parent);
//   for (auto& url : urls) g.go([ctx, url] { return fetch(ctx, url); });
//   if (Error err = g.wait()) ...           // the first error
//
// The first error any goroutine returns is wait()'s result and, for a group made by
// with_context, cancels the group's context with that error as its cause (the
// context is also cancelled when wait() returns). set_limit(n) bounds the number of
// goroutines running at once: go() then blocks, try_go() fails. A copyable handle.
class ErrGroup {
 public:
  ErrGroup();

  static std::pair<ErrGroup, context::Context> with_context(const context::Context& parent);

  template <class F>
  requires std::is_invocable_r_v<Error, F&>
  void go(F&& f) {
    enter(true);
    launch(std::function<Error()>(std::forward<F>(f)));
  }

  // go(), unless the limit is reached: then returns false and does not run f.
  template <class F>
  requires std::is_invocable_r_v<Error, F&>
  bool try_go(F&& f) {
    if (!enter(false)) return false;
    launch(std::function<Error()>(std::forward<F>(f)));
    return true;
  }

  // Waits for every goroutine started by go(); returns the first error, if any. An
  // exception that escaped one of them is rethrown here (Go re-panics in Wait).
  Error wait();

  // At most n goroutines at once (n < 0: no limit). Setting a limit (n >= 0) while
  // goroutines started under a limit are still active panics, as in Go:
  // "errgroup: modify limit while N goroutines in the group are still active".
  void set_limit(int n);

 private:
  struct State;
  bool enter(bool block);
  void launch(std::function<Error()> f);
  std::shared_ptr<State> s_;
};

// golang.org/x/sync/semaphore.Weighted: a semaphore with weighted, FIFO acquisition.
class Semaphore {
 public:
  explicit Semaphore(std::int64_t size);
  ~Semaphore();
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;

  // Waits for n units, FIFO. Returns ctx.err() if ctx is done first (then nothing
  // is acquired). n greater than the size waits for ctx only.
  Error acquire(const context::Context& ctx, std::int64_t n = 1);
  // n units if they are free right now and nobody waits.
  bool try_acquire(std::int64_t n = 1);
  // Releasing more than is held panics "semaphore: released more than held".
  void release(std::int64_t n = 1);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// golang.org/x/sync/singleflight.Group: duplicate suppression.
//
//   auto [val, err, shared] = flight.call("key", [] { return std::pair{load(), Error()}; });
//
// Concurrent calls with the same key share one execution of fn and its result
// (`shared` tells whether more than one caller got it). If fn throws, every call()
// waiting on it rethrows the exception; if a do_chan caller is waiting too, the
// exception instead ends the program as an uncaught panic (a channel cannot carry
// it; Go re-panics the same way).
template <class V>
class SingleFlight {
 public:
  struct Result {
    V val;
    Error err;
    bool shared;
  };

  SingleFlight() = default;
  SingleFlight(const SingleFlight&) = delete;
  SingleFlight& operator=(const SingleFlight&) = delete;

  // Go's Do.
  template <class F>
  requires std::is_invocable_r_v<std::pair<V, Error>, F&> std::tuple<V, Error, bool> call(
      const std::string& key, F&& fn) {
    std::unique_lock<Mutex> lock(mu_);
    if (auto it = calls_.find(key); it != calls_.end()) {
      std::shared_ptr<Call> c = it->second;
      ++c->dups;
      lock.unlock();
      c->wg.wait();
      if (c->error) std::rethrow_exception(c->error);
      return {*c->val, c->err, true};
    }
    auto c = std::make_shared<Call>();
    c->wg.add(1);
    calls_.emplace(key, c);
    lock.unlock();
    run(c, key, std::function<std::pair<V, Error>()>(std::forward<F>(fn)));
    if (c->error) std::rethrow_exception(c->error);
    return {*c->val, c->err, c->dups > 0};
  }

  // Go's DoChan: the result arrives on the returned channel (fn runs in a new
  // goroutine unless a call with this key is already in flight).
  template <class F>
  requires std::is_invocable_r_v<std::pair<V, Error>, F&> RecvChan<Result> do_chan(
      const std::string& key, F fn) {
    auto ch = make_chan<Result>(1);
    std::unique_lock<Mutex> lock(mu_);
    if (auto it = calls_.find(key); it != calls_.end()) {
      ++it->second->dups;
      it->second->chans.push_back(ch);
      return ch;
    }
    auto c = std::make_shared<Call>();
    c->wg.add(1);
    c->chans.push_back(ch);
    calls_.emplace(key, c);
    lock.unlock();
    gocxx::go([this, c, key, f = std::function<std::pair<V, Error>()>(std::move(fn))]() mutable {
      run(c, key, std::move(f));
    });
    return ch;
  }

  // Forgets key: the next call starts a new execution instead of joining one.
  void forget(const std::string& key) {
    std::lock_guard<Mutex> guard(mu_);
    calls_.erase(key);
  }

 private:
  struct Call {
    WaitGroup wg;
    std::optional<V> val;
    Error err;
    std::exception_ptr error;
    int dups = 0;
    std::vector<Chan<Result>> chans;
  };

  void run(const std::shared_ptr<Call>& c, const std::string& key,
           std::function<std::pair<V, Error>()> fn) {
    try {
      auto [v, e] = fn();
      c->val.emplace(std::move(v));
      c->err = std::move(e);
    } catch (...) {
      c->error = std::current_exception();
    }
    std::vector<Chan<Result>> chans;
    {
      std::lock_guard<Mutex> guard(mu_);
      c->wg.done();
      if (auto it = calls_.find(key); it != calls_.end() && it->second == c) calls_.erase(it);
      chans.swap(c->chans);
    }
    if (c->error) {
      if (!chans.empty()) std::rethrow_exception(c->error);  // a do_chan goroutine: panic
      return;
    }
    for (auto& ch : chans) ch.send(Result{*c->val, c->err, c->dups > 0});
  }

  Mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Call>> calls_;
};

}  // namespace gocxx::sync
