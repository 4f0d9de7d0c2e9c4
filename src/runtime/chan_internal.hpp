// Channel internals shared by chan.cpp and select.cpp (after Go's runtime/chan.go).
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>

#include "gocxx/detail/chan_core.hpp"
#include "lock.hpp"
#include "sched.hpp"
#include "timer.hpp"

namespace gocxx::rt {

// A goroutine (or thread) waiting on a channel: Go's sudog. Lives on the waiter's
// stack for the duration of the wait.
struct Sudog {
  G* g = nullptr;
  Sudog* next = nullptr;
  Sudog* prev = nullptr;
  void* elem = nullptr;  // send: the value to move from; receive: raw storage
  detail::ChanCore* c = nullptr;
  int case_index = 0;      // select: which case this record belongs to
  bool is_select = false;  // a waker must win g->select_done first
  bool success = false;    // true: a value moved; false: woken by close
  bool queued = false;
};

// A FIFO of waiters. `first` is atomic only so that the lock-free readiness checks
// of non-blocking operations may peek at it.
struct WaitQ {
  std::atomic<Sudog*> first{nullptr};
  Sudog* last = nullptr;

  void enqueue(Sudog* sg) noexcept {
    sg->next = nullptr;
    sg->prev = last;
    sg->queued = true;
    if (last != nullptr) {
      last->next = sg;
    } else {
      first.store(sg, std::memory_order_relaxed);
    }
    last = sg;
  }

  void remove(Sudog* sg) noexcept {
    if (!sg->queued) return;
    if (sg->prev != nullptr) {
      sg->prev->next = sg->next;
    } else {
      first.store(sg->next, std::memory_order_relaxed);
    }
    if (sg->next != nullptr) {
      sg->next->prev = sg->prev;
    } else {
      last = sg->prev;
    }
    sg->next = sg->prev = nullptr;
    sg->queued = false;
  }

  // Pops the oldest waiter that can still be woken: a select's record is skipped if
  // another channel already claimed that select.
  Sudog* dequeue() noexcept {
    for (;;) {
      Sudog* sg = first.load(std::memory_order_relaxed);
      if (sg == nullptr) return nullptr;
      remove(sg);
      if (sg->is_select) {
        std::uint32_t expected = 0;
        if (!sg->g->select_done.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
          continue;
        }
      }
      return sg;
    }
  }

  bool empty() const noexcept { return first.load(std::memory_order_relaxed) == nullptr; }
};

}  // namespace gocxx::rt

namespace gocxx::detail {

// Orders the seqlock's odd store before the data writes that follow (free on x86).
// ThreadSanitizer does not model fences; the tsan build does not read the seqlock.
inline void release_fence() noexcept {
#if !defined(__SANITIZE_THREAD__)
  std::atomic_thread_fence(std::memory_order_release);
#endif
}
inline void acquire_fence() noexcept {
#if !defined(__SANITIZE_THREAD__)
  std::atomic_thread_fence(std::memory_order_acquire);
#endif
}

class ChanCore {
 public:
  std::atomic<std::int64_t> refs{1};
  const ElemOps* ops = nullptr;
  std::int64_t capacity = 0;
  std::size_t stride = 0;
  unsigned char* buf = nullptr;
  std::atomic<std::int64_t> qcount{0};
  std::int64_t sendx GOCXX_GUARDED_BY(mu) = 0;  // the ring's next send and receive slots
  std::int64_t recvx GOCXX_GUARDED_BY(mu) = 0;
  std::atomic<std::uint32_t> closed{0};
  rt::Timer* timer = nullptr;    // time::Timer/Ticker channels: the timer feeding it (owned)
  rt::Bubble* bubble = nullptr;  // made inside this fake-time bubble (synctest.cpp)
  rt::WaitQ recvq;
  rt::WaitQ sendq;
  rt::Lock mu;
  // A seqlock over the readiness state: odd while mu is held. select reads it to
  // decide "nothing is ready" without taking every channel's lock (select.cpp).
  std::atomic<std::uint64_t> seq{0};

  void lock() noexcept GOCXX_ACQUIRE(mu) {
    mu.lock();
    seq.store(seq.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    release_fence();
  }
  void unlock() noexcept GOCXX_RELEASE(mu) {
    seq.store(seq.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    mu.unlock();
  }

  // Lock-free readiness, as Go's full()/empty() plus closed and waiting peers.
  bool recv_ready_hint() const noexcept {
    return !sendq.empty() || qcount.load(std::memory_order_relaxed) > 0 ||
           closed.load(std::memory_order_relaxed) != 0;
  }
  bool send_ready_hint() const noexcept {
    return closed.load(std::memory_order_relaxed) != 0 || !recvq.empty() ||
           qcount.load(std::memory_order_relaxed) < capacity;
  }

  void* slot(std::int64_t i) const noexcept { return buf + static_cast<std::size_t>(i) * stride; }

  void move_elem(void* dst, void* src) const noexcept {
    if (!ops->trivial) {
      ops->move_construct(dst, src);
      return;
    }
    switch (ops->size) {  // constant-size copies compile to a load and a store
      case 1:
        std::memcpy(dst, src, 1);
        break;
      case 2:
        std::memcpy(dst, src, 2);
        break;
      case 4:
        std::memcpy(dst, src, 4);
        break;
      case 8:
        std::memcpy(dst, src, 8);
        break;
      case 16:
        std::memcpy(dst, src, 16);
        break;
      default:
        std::memcpy(dst, src, ops->size);
        break;
    }
  }
  // Moves a buffered element out and ends its lifetime in the buffer.
  void take_slot(void* dst, std::int64_t i) const noexcept {
    void* s = slot(i);
    move_elem(dst, s);
    if (!ops->trivial) ops->destroy(s);
  }

  // Go's full()/empty(), read without the lock by non-blocking operations.
  bool full() const noexcept {
    if (capacity == 0) return recvq.empty();
    return qcount.load(std::memory_order_relaxed) == capacity;
  }
  bool empty() const noexcept {
    if (capacity == 0) return sendq.empty();
    return qcount.load(std::memory_order_relaxed) == 0;
  }

  // The receive half of a hand-off from a parked sender sg (lock held): for an
  // unbuffered channel straight from the sender, else the oldest buffered value
  // while the sender's value takes its slot (the buffer is full).
  void recv_from_sender(rt::Sudog* sg, void* dst) noexcept GOCXX_REQUIRES(mu) {
    if (capacity == 0) {
      move_elem(dst, sg->elem);
    } else {
      take_slot(dst, recvx);
      move_elem(slot(recvx), sg->elem);
      recvx = (recvx + 1 == capacity) ? 0 : recvx + 1;
      sendx = recvx;
    }
  }
  void buffer_push(void* src) noexcept GOCXX_REQUIRES(mu) {
    move_elem(slot(sendx), src);
    sendx = (sendx + 1 == capacity) ? 0 : sendx + 1;
    qcount.fetch_add(1, std::memory_order_relaxed);
  }
  void buffer_pop(void* dst) noexcept GOCXX_REQUIRES(mu) {
    take_slot(dst, recvx);
    recvx = (recvx + 1 == capacity) ? 0 : recvx + 1;
    qcount.fetch_sub(1, std::memory_order_relaxed);
  }
};

}  // namespace gocxx::detail

namespace gocxx::rt {
// Marks sg's wait as completed by a transfer and returns the goroutine to ready
// (after the caller has unlocked).
inline G* complete_wait(Sudog* sg, bool success) noexcept {
  sg->success = success;
  G* g = sg->g;
  g->param = sg;
  return g;
}

[[noreturn]] void block_forever(const char* wait_reason);
// park() on channels, for the calling goroutine sgs[0].g: records the wait records
// for the goroutine-leak profile.
inline void park_on_sudogs(Sudog* sgs, int n, ParkCommit commit, void* arg,
                           const char* wait_reason) {
  G* g = sgs[0].g;
  g->chan_wait_sudogs = sgs;
  if (g->bubble != nullptr) [[unlikely]] {
    // Durable only if every channel waited on is the bubble's (Go's synctest).
    bool durable = true;
    for (int i = 0; i < n; ++i) durable = durable && sgs[i].c->bubble == g->bubble;
    g->durable_park = durable;
  }
  park(commit, arg, wait_reason, static_cast<std::uint32_t>(n));
}

// Go's fatal error for a bubble's channel used from outside the bubble.
inline void check_chan_bubble(const detail::ChanCore* c, const char* op) noexcept {
  if (c->bubble != nullptr && !bubble_allows(c->bubble)) [[unlikely]]
    bubble_misuse(op, "channel");
}

// A receive without the timer-channel hooks (which call it themselves).
detail::TryRecv chan_recv_core(detail::ChanCore* c, void* dst, bool block);
[[noreturn]] void panic_send_on_closed();
}  // namespace gocxx::rt
