// The sync package: Locker, Mutex, RWMutex, Cond, Once, once_func/once_value,
// WaitGroup, and (from <gocxx/sync/pool.hpp> and <gocxx/sync/map.hpp>, included
// at the end so that the Go package stays whole) Pool and Map. golang.org/x/sync's
// ErrGroup, Semaphore and SingleFlight are in <gocxx/xsync.hpp>.
//
// Every blocking operation parks the calling goroutine (never its OS thread) and
// also works from plain threads, which then block on a futex; none of them spins
// a thread for more than a few hundred nanoseconds. Go's panics and fatal errors
// apply: misusing a Mutex or RWMutex is Go's unrecoverable *fatal error* (exit 2);
// a negative WaitGroup counter throws a catchable Panic.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <type_traits>
#include <utility>

#include "errors.hpp"
#include "runtime.hpp"

namespace gocxx::sync {
// Go's sync.Locker.
class Locker {
 public:
  virtual void lock() = 0;
  virtual void unlock() = 0;

 protected:
  ~Locker() = default;
};

// Go's sync.Mutex: a mutual exclusion lock that parks goroutines, not threads.
//
// Two modes, as in Go. Normal: a woken waiter competes with newly arriving lockers
// (which are already running and usually win), spinning briefly first when that can
// pay off. Starvation: a waiter that has failed to get the lock for over 1 ms puts
// the mutex in starvation mode, where unlock hands it directly to the longest
// waiter (FIFO) until the queue drains. Satisfies Lockable: std::lock_guard,
// std::unique_lock and std::scoped_lock work. Any goroutine may unlock it; unlocking
// an unlocked mutex is `fatal error: sync: unlock of unlocked mutex`.
class Mutex final : public Locker {
 public:
  Mutex() noexcept = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() override {
    std::int32_t expected = 0;
    if (state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire,
                                       std::memory_order_relaxed)) [[likely]] {
      return;
    }
    lock_slow();
  }
  void unlock() override {
    std::int32_t now = state_.fetch_sub(kLocked, std::memory_order_release) - kLocked;
    if (now != 0) [[unlikely]] {
      unlock_slow(now);
    }
  }
  // Locks if free (and not reserved for a starving waiter). A failed try_lock
  // establishes no happens-before relation.
  bool try_lock() noexcept;

 private:
  friend class RWMutex;
  static constexpr std::int32_t kLocked = 1;
  static constexpr std::int32_t kWoken = 2;
  static constexpr std::int32_t kStarving = 4;
  static constexpr int kWaiterShift = 3;

  void lock_slow();
  void unlock_slow(std::int32_t now);

  std::atomic<std::int32_t> state_{0};
  std::uint32_t sema_ = 0;
};

// Go's sync.RWMutex: a reader/writer lock with writer preference (a waiting writer
// blocks new readers, so readers cannot starve it).
class RWMutex final : public Locker {
 public:
  RWMutex() noexcept = default;
  RWMutex(const RWMutex&) = delete;
  RWMutex& operator=(const RWMutex&) = delete;

  void lock() override;
  void unlock() override;
  bool try_lock() noexcept;
  void rlock();
  void runlock();
  bool try_rlock() noexcept;
  // For std::shared_lock.
  void lock_shared() { rlock(); }
  void unlock_shared() { runlock(); }
  bool try_lock_shared() noexcept { return try_rlock(); }

  // A Locker whose lock/unlock are rlock/runlock (Go's RLocker()).
  Locker& rlocker() noexcept { return rlocker_; }

 private:
  class ReadLocker final : public Locker {
   public:
    explicit ReadLocker(RWMutex* rw) noexcept : rw_(rw) {}
    void lock() override { rw_->rlock(); }
    void unlock() override { rw_->runlock(); }

   private:
    RWMutex* rw_;
  };

  static constexpr std::int32_t kMaxReaders = 1 << 30;

  Mutex w_;
  std::uint32_t writer_sem_ = 0;
  std::uint32_t reader_sem_ = 0;
  std::atomic<std::int32_t> reader_count_{0};
  std::atomic<std::int32_t> reader_wait_{0};
  ReadLocker rlocker_{this};
};

// Go's sync.Cond: goroutines wait for an event while holding l.
//
//   mu.lock();
//   while (!condition()) cond.wait();   // unlocks mu while waiting, relocks it
//   ...
//   mu.unlock();
//
// signal() wakes the longest-waiting goroutine (FIFO), broadcast() all of them;
// neither requires holding l. A signal with no waiter is lost.
class Cond {
 public:
  explicit Cond(Locker& lock) noexcept : l(lock) {}
  Cond(const Cond&) = delete;  // Go's "sync.Cond is copied", at compile time
  Cond& operator=(const Cond&) = delete;

  void wait();
  void signal();
  void broadcast();

  Locker& l;

 private:
  // Go's notifyList: each waiter takes a ticket before it unlocks l; signal wakes
  // the lowest ticket not yet woken, so order is arrival order even when a waiter
  // has not finished queueing when it is signalled (it then does not sleep at all).
  struct Waiter;
  std::atomic<std::uint32_t> wait_ticket_{0};    // the next ticket handed out
  std::atomic<std::uint32_t> notify_ticket_{0};  // the next to wake; written under a lock
  Waiter* head_ = nullptr;                       // sleeping waiters, in ticket order
  Waiter* tail_ = nullptr;
};

// Go's sync.Once (Do is `call`: `do` is a C++ keyword).
//
// call(f) runs f the first time it is called on this Once, even from concurrent
// callers; every call returns only after f has finished. If f throws, the first
// caller sees the exception and later calls return without calling f again.
class Once {
 public:
  Once() noexcept = default;
  Once(const Once&) = delete;
  Once& operator=(const Once&) = delete;

  template <class F>
  void call(F&& f) {
    if (done_.load(std::memory_order_acquire)) [[likely]] {
      return;
    }
    std::lock_guard<Mutex> guard(m_);
    if (done_.load(std::memory_order_relaxed)) return;
    struct MarkDone {
      std::atomic<bool>& done;
      ~MarkDone() { done.store(true, std::memory_order_release); }
    } mark{done_};
    std::invoke(std::forward<F>(f));
  }

 private:
  std::atomic<bool> done_{false};
  Mutex m_;
};

}  // namespace gocxx::sync

namespace gocxx::detail {
// The processor the calling goroutine runs on (-1 on a plain thread), and how many
// processors have ever existed (their indexes are below that): Pool and Map keep
// per-processor state.
int current_proc() noexcept;
int procs_ever() noexcept;

template <class R>
struct OnceState {
  sync::Once once;
  std::function<R()> f;
  std::optional<std::conditional_t<std::is_void_v<R>, char, R>> value;
  std::exception_ptr error;
};
}  // namespace gocxx::detail

namespace gocxx::sync {

// Go's sync.OnceFunc: a function that calls f once, however often it is called.
// If f throws, every call rethrows the same exception.
template <class F>
std::function<void()> once_func(F f) {
  auto s = std::make_shared<detail::OnceState<void>>();
  s->f = std::move(f);
  return [s] {
    s->once.call([&] {
      try {
        s->f();
      } catch (...) {
        s->error = std::current_exception();
      }
      s->f = nullptr;
    });
    if (s->error) std::rethrow_exception(s->error);
  };
}

// Go's sync.OnceValue: a function that calls f once and returns its value on every
// call. If f throws, every call rethrows the same exception.
template <class F, class R = std::invoke_result_t<F&>>
std::function<R()> once_value(F f) {
  auto s = std::make_shared<detail::OnceState<R>>();
  s->f = std::move(f);
  return [s]() -> R {
    s->once.call([&] {
      try {
        s->value.emplace(s->f());
      } catch (...) {
        s->error = std::current_exception();
      }
      s->f = nullptr;
    });
    if (s->error) std::rethrow_exception(s->error);
    return *s->value;
  };
}

// Go's sync.WaitGroup: waits for a collection of goroutines to finish.
//
//   sync::WaitGroup wg;
//   for (int i = 0; i < n; ++i) wg.go([i] { work(i); });
//   wg.wait();
//
// add() with a negative result throws Panic("sync: negative WaitGroup counter");
// misuse (add racing wait, reuse before wait returned) throws Go's panics. done()
// happens-before the wait() it unblocks returns. A WaitGroup may be destroyed as
// soon as wait() returns.
class WaitGroup {
 public:
  WaitGroup() noexcept = default;
  WaitGroup(const WaitGroup&) = delete;
  WaitGroup& operator=(const WaitGroup&) = delete;

  void add(int delta);
  void done() { add(-1); }
  void wait();

  // Go 1.25's WaitGroup.Go: add(1), then runs f in a new goroutine that calls done()
  // when f returns.
  template <class F>
  void go(F&& f) {
    add(1);
    gocxx::go(
        [this](std::decay_t<F> fn) {
          struct Done {
            WaitGroup* wg;
            ~Done() { wg->done(); }
          } guard{this};
          std::invoke(fn);
        },
        std::forward<F>(f));
  }

 private:
  // High 32 bits: the counter. Low 32 bits: the number of waiters.
  std::atomic<std::uint64_t> state_{0};
  std::uint32_t sema_ = 0;
  // The fake-time bubble of the add that raised the counter from zero: a wait
  // in the same bubble is durable (gocxx::testing::bubble).
  std::atomic<void*> bubble_{nullptr};
};

}  // namespace gocxx::sync

#include "sync/map.hpp"
#include "sync/pool.hpp"
