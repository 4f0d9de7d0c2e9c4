// A processor's local run queue: a bounded Chase-Lev work-stealing deque.
//
// The owning processor pushes at the tail and may take from either end: the tail
// for the tutorial's continuation stealing (LIFO, rule 2), the head for Go's FIFO order.
// Any other processor steals from the head (rule 3). Head and tail only grow; a slot
// index is the counter modulo the capacity. Orderings follow Lê et al., "Correct and
// Efficient Work-Stealing for Weak Memory Models" (PPoPP'13), with the fences folded
// into seq_cst operations so that ThreadSanitizer sees every edge.
#pragma once

#include <atomic>
#include <cstdint>

namespace gocxx::rt {

struct G;

class RunQueue {
 public:
  static constexpr int64_t kCapacity = 256;

  // Owner only. Returns false when the queue is full.
  bool push_tail(G* g) noexcept {
    int64_t t = tail_.load(std::memory_order_relaxed);
    int64_t h = head_.load(std::memory_order_acquire);
    if (t - h >= kCapacity) return false;
    slots_[t % kCapacity].store(g, std::memory_order_relaxed);
    tail_.store(t + 1, std::memory_order_release);
    return true;
  }

  // Owner only.
  G* pop_tail() noexcept {
    int64_t t = tail_.load(std::memory_order_relaxed) - 1;
    tail_.store(t, std::memory_order_seq_cst);
    int64_t h = head_.load(std::memory_order_seq_cst);
    if (h > t) {  // empty
      tail_.store(t + 1, std::memory_order_relaxed);
      return nullptr;
    }
    G* g = slots_[t % kCapacity].load(std::memory_order_relaxed);
    if (h == t) {  // the last element: thieves may be after it too
      if (!head_.compare_exchange_strong(h, h + 1, std::memory_order_seq_cst,
                                         std::memory_order_relaxed)) {
        g = nullptr;
      }
      tail_.store(t + 1, std::memory_order_relaxed);
    }
    return g;
  }

  // Anyone. Returns nullptr when empty or when it lost a race (callers retry or
  // move on; a lost race means somebody else made progress).
  G* pop_head() noexcept {
    int64_t h = head_.load(std::memory_order_seq_cst);
    int64_t t = tail_.load(std::memory_order_seq_cst);
    if (h >= t) return nullptr;
    G* g = slots_[h % kCapacity].load(std::memory_order_relaxed);
    if (!head_.compare_exchange_strong(h, h + 1, std::memory_order_seq_cst,
                                       std::memory_order_relaxed)) {
      return nullptr;
    }
    return g;
  }

  // Racy snapshot of the oldest element, for the starvation check: the element may
  // be taken by a thief meanwhile, so it is only a hint.
  G* peek_head() const noexcept {
    int64_t h = head_.load(std::memory_order_acquire);
    int64_t t = tail_.load(std::memory_order_acquire);
    if (h >= t) return nullptr;
    return slots_[h % kCapacity].load(std::memory_order_relaxed);
  }

  // Owner only: the element `back` places before the tail (what pop_tail returns
  // next, for back == 0), or nullptr. A thief may take it meanwhile: a hint.
  G* peek_tail(int64_t back) const noexcept {
    int64_t t = tail_.load(std::memory_order_relaxed) - 1 - back;
    int64_t h = head_.load(std::memory_order_acquire);
    if (t < h) return nullptr;
    return slots_[t % kCapacity].load(std::memory_order_relaxed);
  }

  int64_t size() const noexcept {
    int64_t t = tail_.load(std::memory_order_acquire);
    int64_t h = head_.load(std::memory_order_acquire);
    return t > h ? t - h : 0;
  }
  bool empty() const noexcept { return size() == 0; }

  // Owner only, for debugging and tests: copies up to max entries, head first.
  int snapshot(G** out, int max) const noexcept {
    int64_t h = head_.load(std::memory_order_acquire);
    int64_t t = tail_.load(std::memory_order_acquire);
    int n = 0;
    for (int64_t i = h; i < t && n < max; ++i) {
      out[n++] = slots_[i % kCapacity].load(std::memory_order_relaxed);
    }
    return n;
  }

 private:
  alignas(64) std::atomic<int64_t> head_{0};
  alignas(64) std::atomic<int64_t> tail_{0};
  alignas(64) std::atomic<G*> slots_[kCapacity] = {};
};

}  // namespace gocxx::rt
