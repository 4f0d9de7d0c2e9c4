// sync.Pool (part of the sync package; <gocxx/sync.hpp> includes this header).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>
#include <vector>

#include "../sync.hpp"

namespace gocxx::detail {

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

}  // namespace gocxx::detail

namespace gocxx::sync {

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

}  // namespace gocxx::sync
