// The sync package, and golang.org/x/sync's errgroup, semaphore and singleflight.
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
#include <source_location>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "chan.hpp"
#include "context.hpp"
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

namespace detail {
template <class R>
struct OnceState {
  Once once;
  std::function<R()> f;
  std::optional<std::conditional_t<std::is_void_v<R>, char, R>> value;
  std::exception_ptr error;
};
}  // namespace detail

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
};

namespace detail {

// The processor the calling goroutine runs on (-1 on a plain thread).
int current_proc() noexcept;
// How many processors have ever existed (their indexes are below this).
int procs_ever() noexcept;
constexpr int kPoolSlots = 1024;  // the runtime's processor limit; one more for threads

// What every Pool shares: the periodic victim rotation (pool.cpp). The cleanup is
// armed by a put and re-arms itself while any pool still holds objects.
// Orders a put's store before its read of the cleanup flag. ThreadSanitizer does
// not support fences; there a seq_cst read-modify-write stands in (tsan builds only).
inline void store_load_fence() noexcept {
#if defined(__SANITIZE_THREAD__)
  static std::atomic<int> tsan_barrier{0};
  tsan_barrier.fetch_add(0, std::memory_order_seq_cst);
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

class PoolBase {
 public:
  PoolBase();
  virtual ~PoolBase();
  PoolBase(const PoolBase&) = delete;
  PoolBase& operator=(const PoolBase&) = delete;
  // Drops the victims and makes the current contents victims; returns whether the
  // pool still holds anything.
  virtual bool rotate() = 0;

 protected:
  // After every put (which stored its object with a full barrier): makes sure a
  // rotation is coming.
  void note_put() {
    if (!cleanup_armed().load(std::memory_order_seq_cst)) [[unlikely]] {
      arm_cleanup();
    }
  }
  // Leaves the rotation list; the derived pool calls it before tearing down.
  void unregister() noexcept;

 private:
  static std::atomic<bool>& cleanup_armed() noexcept;
  static void arm_cleanup();
  bool registered_ = false;
};

}  // namespace detail

// Go's sync.Pool: a cache of reusable objects.
//
//   sync::Pool<std::vector<char>> buffers([] { return std::vector<char>(1024); });
//   auto buf = buffers.get();   // a pooled object, or a new one from the factory
//   ...
//   buffers.put(std::move(buf));
//
// get() removes and returns an arbitrary pooled object or, when there is none, one
// made by the factory. Each processor has a private slot (the fast path: one atomic
// exchange, no lock) and a shared list other processors take from when theirs are
// empty. Objects nobody takes are dropped in two stages (Go's victim cache):
// every 2 seconds while some pool holds objects, current objects become victims and
// old victims are destroyed, so an idle pool gives its memory back within about 4
// seconds (docs/decisions.md D18).
template <class T>
class Pool final : private detail::PoolBase {
 public:
  // Go's Pool without New: get() on an empty pool returns T{}.
  Pool() requires std::is_default_constructible_v<T> : factory_([] { return T{}; }) {}
  template <class F>
  requires std::is_invocable_r_v<T, F&>
  explicit Pool(F factory) : factory_(std::move(factory)) {}
  ~Pool() override {
    unregister();  // no rotation may run while the lists go away
    for (int i = 0; i <= detail::kPoolSlots; ++i) {
      Local* l = locals_[i].load(std::memory_order_acquire);
      if (l == nullptr) continue;
      delete l->private_slot.load();
      delete l->spare.load();
      for (Node* n : l->shared) delete n;
      for (Node* n : l->victims) delete n;
      delete l;
    }
  }

  T get() {
    int p = detail::current_proc();
    if (p >= 0) {
      if (Local* l = locals_[p].load(std::memory_order_acquire)) {
        if (Node* n = l->private_slot.exchange(nullptr, std::memory_order_acquire)) {
          T v = std::move(*n->value);
          n->value.reset();
          delete l->spare.exchange(n, std::memory_order_acq_rel);
          return v;
        }
      }
    }
    if (std::optional<T> v = get_slow(p)) return std::move(*v);
    return factory_();
  }

  void put(T value) {
    int p = detail::current_proc();
    Local& l = local(p >= 0 ? p : detail::kPoolSlots);
    Node* n = l.spare.exchange(nullptr, std::memory_order_acquire);
    if (n == nullptr) n = new Node;
    n->value.emplace(std::move(value));
    if (p >= 0) {
      // The private slot if it is free (Go's order: a get takes the private object
      // first, then the newest shared one).
      Node* empty = nullptr;
      if (l.private_slot.compare_exchange_strong(empty, n, std::memory_order_seq_cst)) {
        n = nullptr;
      }
    }
    if (n != nullptr) {
      {
        std::lock_guard<Mutex> guard(l.mu);
        l.shared.push_back(n);
      }
      detail::store_load_fence();  // see note_put
    }
    note_put();
  }

 private:
  struct Node {
    std::optional<T> value;
  };
  struct alignas(64) Local {
    std::atomic<Node*> private_slot{nullptr};  // the fast path
    std::atomic<Node*> spare{nullptr};         // an empty node to reuse
    Mutex mu;                                  // guards shared and victims
    std::vector<Node*> shared;
    std::vector<Node*> victims;
  };

  Local& local(int i) {
    Local* l = locals_[i].load(std::memory_order_acquire);
    if (l != nullptr) return *l;
    auto* fresh = new Local;
    if (locals_[i].compare_exchange_strong(l, fresh, std::memory_order_acq_rel)) return *fresh;
    delete fresh;
    return *l;
  }

  // The shared lists (ours first), then the victims.
  std::optional<T> get_slow(int p) {
    // Slots 0..n-1 are processors', slot n stands for kPoolSlots (plain threads).
    const int n = detail::procs_ever();
    const int self = p >= 0 ? p : n;
    for (int pass = 0; pass < 2; ++pass) {
      for (int i = 0; i <= n; ++i) {
        int slot = (self + i) % (n + 1);
        Local* l = locals_[slot == n ? detail::kPoolSlots : slot].load(std::memory_order_acquire);
        if (l == nullptr) continue;
        Node* node = nullptr;
        {
          std::lock_guard<Mutex> guard(l->mu);
          std::vector<Node*>& from = pass == 0 ? l->shared : l->victims;
          if (from.empty()) continue;
          node = from.back();
          from.pop_back();
        }
        T v = std::move(*node->value);
        delete node;
        return v;
      }
    }
    return std::nullopt;
  }

  bool rotate() override {
    bool holds = false;
    for (int i = 0; i <= detail::kPoolSlots; ++i) {
      Local* l = locals_[i].load(std::memory_order_acquire);
      if (l == nullptr) continue;
      Node* priv = l->private_slot.exchange(nullptr, std::memory_order_acq_rel);
      std::vector<Node*> dropped;
      {
        std::lock_guard<Mutex> guard(l->mu);
        dropped.swap(l->victims);
        l->victims.swap(l->shared);
        if (priv != nullptr) l->victims.push_back(priv);
        holds = holds || !l->victims.empty();
      }
      for (Node* n : dropped) delete n;
    }
    return holds;
  }

  std::function<T()> factory_;
  // One per processor, plus one for plain threads; made on first use.
  std::unique_ptr<std::atomic<Local*>[]> locals_ =
      std::make_unique<std::atomic<Local*>[]>(detail::kPoolSlots + 1);
};

namespace detail {
// Which of a Map shard's reader counters the caller uses: its processor's, or for a
// plain thread one picked by its address.
inline int map_reader_slot(int slots) noexcept {
  int p = current_proc();
  if (p < 0) {
    thread_local const int mine = static_cast<int>(reinterpret_cast<std::uintptr_t>(&mine) >> 6);
    p = mine;
  }
  return p & (slots - 1);
}
// Waits (briefly spinning, then yielding the processor) until n is zero.
void wait_for_readers(const std::atomic<std::int32_t>& n) noexcept;
}  // namespace detail

// Go's sync.Map: a concurrent map for keys that are read far more often than they
// are written, or written by disjoint sets of goroutines. Sharded: each of 32 shards
// is an std::unordered_map. Readers do not lock: each announces itself on a
// counter of its own processor (8 per shard, each on its own cache line), so readers
// of one hot key on different processors never write a shared cache line. A writer
// takes the shard's mutex, raises the shard's writer flag (new readers then queue on
// the mutex) and waits for the announced readers to leave. range() visits a
// snapshot of each shard and holds nothing while f runs (so f may modify the map).
template <class K, class V, class Hash = std::hash<K>>
class Map {
 public:
  Map() = default;
  Map(const Map&) = delete;
  Map& operator=(const Map&) = delete;

  std::optional<V> load(const K& key) const {
    return read(shard(key), [&](const Table& m) -> std::optional<V> {
      auto it = m.find(key);
      if (it == m.end()) return std::nullopt;
      return it->second;
    });
  }

  void store(const K& key, V value) {
    Shard& s = shard(key);
    WriteGuard guard(s);
    s.m.insert_or_assign(key, std::move(value));
  }

  // The existing value and true, or stores value and returns it and false.
  std::pair<V, bool> load_or_store(const K& key, V value) {
    Shard& s = shard(key);
    std::optional<V> existing = read(s, [&](const Table& m) -> std::optional<V> {
      auto it = m.find(key);
      if (it == m.end()) return std::nullopt;
      return it->second;
    });
    if (existing) return {std::move(*existing), true};
    WriteGuard guard(s);
    auto [it, inserted] = s.m.try_emplace(key, std::move(value));
    return {it->second, !inserted};
  }

  std::optional<V> load_and_delete(const K& key) {
    Shard& s = shard(key);
    WriteGuard guard(s);
    auto it = s.m.find(key);
    if (it == s.m.end()) return std::nullopt;
    std::optional<V> v(std::move(it->second));
    s.m.erase(it);
    return v;
  }

  // Go's Delete.
  void erase(const K& key) {
    Shard& s = shard(key);
    WriteGuard guard(s);
    s.m.erase(key);
  }

  // Stores value; returns the previous value, if any.
  std::optional<V> swap(const K& key, V value) {
    Shard& s = shard(key);
    WriteGuard guard(s);
    auto it = s.m.find(key);
    if (it == s.m.end()) {
      s.m.emplace(key, std::move(value));
      return std::nullopt;
    }
    std::optional<V> previous(std::move(it->second));
    it->second = std::move(value);
    return previous;
  }

  bool compare_and_swap(const K& key, const V& expected,
                        V desired) requires std::equality_comparable<V> {
    Shard& s = shard(key);
    WriteGuard guard(s);
    auto it = s.m.find(key);
    if (it == s.m.end() || !(it->second == expected)) return false;
    it->second = std::move(desired);
    return true;
  }

  bool compare_and_delete(const K& key, const V& expected) requires std::equality_comparable<V> {
    Shard& s = shard(key);
    WriteGuard guard(s);
    auto it = s.m.find(key);
    if (it == s.m.end() || !(it->second == expected)) return false;
    s.m.erase(it);
    return true;
  }

  // Calls f(key, value) for each entry until f returns false.
  template <class F>
  requires std::is_invocable_r_v<bool, F&, const K&, const V&>
  void range(F f) const {
    std::vector<std::pair<K, V>> snapshot;
    for (const Shard& s : shards_) {
      snapshot.clear();
      read(s, [&](const Table& m) {
        snapshot.assign(m.begin(), m.end());
        return 0;
      });
      for (const auto& [k, v] : snapshot) {
        if (!f(k, v)) return;
      }
    }
  }

  void clear() {
    for (Shard& s : shards_) {
      WriteGuard guard(s);
      s.m.clear();
    }
  }

 private:
  using Table = std::unordered_map<K, V, Hash>;
  static constexpr std::size_t kShards = 32;
  static constexpr int kReaderSlots = 8;  // a power of two
  struct alignas(64) ReaderSlot {
    mutable std::atomic<std::int32_t> n{0};
  };
  struct alignas(64) Shard {
    mutable Mutex writers;             // writers, and readers while a writer works
    std::atomic<bool> writing{false};  // a writer holds `writers` and waits or works
    Table m;
    ReaderSlot readers[kReaderSlots];
  };

  // Runs f on the shard's table with no writer at work. The announcement and the
  // flag are a Dekker pair (both seq_cst): a reader that finds no writer is seen
  // by any writer that raises the flag afterwards.
  template <class F>
  static auto read(const Shard& s, F f) {
    std::atomic<std::int32_t>& n = s.readers[detail::map_reader_slot(kReaderSlots)].n;
    n.fetch_add(1, std::memory_order_seq_cst);
    if (!s.writing.load(std::memory_order_seq_cst)) [[likely]] {
      struct Leave {
        std::atomic<std::int32_t>& n;
        ~Leave() { n.fetch_sub(1, std::memory_order_release); }
      } leave{n};
      return f(s.m);
    }
    n.fetch_sub(1, std::memory_order_release);
    std::lock_guard<Mutex> guard(s.writers);
    return f(s.m);
  }

  class WriteGuard {
   public:
    explicit WriteGuard(Shard& s) : s_(s) {
      s_.writers.lock();
      s_.writing.store(true, std::memory_order_seq_cst);
      for (const ReaderSlot& r : s_.readers) detail::wait_for_readers(r.n);
    }
    ~WriteGuard() {
      s_.writing.store(false, std::memory_order_release);
      s_.writers.unlock();
    }
    WriteGuard(const WriteGuard&) = delete;
    WriteGuard& operator=(const WriteGuard&) = delete;

   private:
    Shard& s_;
  };

  Shard& shard(const K& key) { return shards_[mix(Hash{}(key)) % kShards]; }
  const Shard& shard(const K& key) const { return shards_[mix(Hash{}(key)) % kShards]; }
  // std::hash of integers is the identity; spread it before taking the shard.
  static std::size_t mix(std::size_t h) noexcept { return (h * 0x9e3779b97f4a7c15ULL) >> 32; }

  Shard shards_[kShards];
};

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

  // Waits for every goroutine started by go(); returns the first error, if any.
  Error wait();

  // At most n goroutines at once (n < 0: no limit). Changing the limit while
  // goroutines are active panics, as in Go.
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
// (`shared` tells whether more than one caller got it). If fn throws, every caller
// waiting on it rethrows the exception.
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
