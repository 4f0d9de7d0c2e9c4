// Channels (Go's `chan T`).
//
//   auto ch = gocxx::make_chan<int>(4);       // make(chan int, 4)
//   ch.send(1);                                // ch <- 1
//   std::optional<int> v = ch.recv();          // v, ok := <-ch
//   ch.close();                                // close(ch)
//   for (int x : ch) { ... }                   // for x := range ch
//
// Chan<T> is a shared handle: copies name the same channel, a default-constructed
// handle is the nil channel, == compares identity. RecvChan<T> (`<-chan T`) and
// SendChan<T> (`chan<- T`) are views that a Chan<T> converts to implicitly; a
// RecvChan cannot send or close, a SendChan cannot receive, and neither converts
// back. Chan<> is `chan struct{}`.
//
// Semantics are Go's: an unbuffered channel hands each value from sender to receiver
// directly; a buffered one queues up to cap() values. Receiving from a closed
// channel yields the buffered values, then empty optionals forever. Sending on or
// closing a closed channel, and closing a nil one, throw gocxx::Panic with Go's
// message; sending to or receiving from a nil channel blocks forever. A send
// happens-before the receive that gets its value completes; a close happens-before a
// receive that reports it. Buffered values are destroyed with the last handle.
// Element types are moved through the channel: a copyable type whose move may throw
// is accepted, but an element move that does throw ends the program
// (std::terminate), since it would happen inside the channel's critical section.
#pragma once

#include <cstdint>
#include <iterator>
#include <optional>
#include <type_traits>
#include <utility>

#include "detail/chan_core.hpp"

namespace gocxx {

// Go's struct{}: the element type of Chan<>.
struct Unit {
  friend bool operator==(Unit, Unit) noexcept { return true; }
};

namespace detail {

struct AdoptChan {};

// The reference-counted handle all three channel types share. Beside the core
// pointer it keeps a check word, derived from the pointer and the handle's own
// address, so that the goroutine-leak profile can tell a live handle in memory
// from a bare copy of the pointer (a register the compiler spilled, a select
// case); a destroyed handle clears its pointer so that its bytes stop looking
// like one.
class ChanHandle {
 public:
  ChanHandle() noexcept = default;
  explicit ChanHandle(ChanCore* adopt) noexcept : core_(adopt), check_(handle_check(adopt, this)) {}
  ChanHandle(const ChanHandle& o) noexcept : core_(o.core_), check_(handle_check(o.core_, this)) {
    if (core_ != nullptr) chan_retain(core_);
  }
  ChanHandle(ChanHandle&& o) noexcept
      : core_(std::exchange(o.core_, nullptr)), check_(handle_check(core_, this)) {}
  ChanHandle& operator=(ChanHandle o) noexcept {
    std::swap(core_, o.core_);
    check_ = handle_check(core_, this);
    o.check_ = handle_check(o.core_, &o);
    return *this;
  }
  ~ChanHandle() {
    if (core_ != nullptr) {
      chan_release(core_);
      __atomic_store_n(&core_, nullptr, __ATOMIC_RELAXED);  // a store the compiler keeps
    }
  }

  ChanCore* core() const noexcept { return core_; }

 private:
  ChanCore* core_ = nullptr;
  std::uintptr_t check_ = 0;
};

// Receive operations, mixed into Chan<T> and RecvChan<T>.
template <class T, class Self>
class RecvOps {
 public:
  // Blocks until a value arrives (returned) or the channel is closed and drained
  // (empty optional).
  std::optional<T> recv() const {
    ElemSlot<T> slot;
    if (!chan_recv(chan(), slot.raw())) return std::nullopt;
    return std::optional<T>(slot.take());
  }
  // Non-blocking receive (Go's one-case select with default): nullopt if nothing is
  // ready; a ready result holds an empty optional when the channel is closed.
  std::optional<std::optional<T>> try_recv() const {
    ElemSlot<T> slot;
    switch (chan_try_recv(chan(), slot.raw())) {
      case TryRecv::would_block:
        return std::nullopt;
      case TryRecv::closed:
        // In place: copying an empty optional<T> reads its unset payload, which
        // GCC 12 -Os reports as maybe-uninitialized.
        return std::optional<std::optional<T>>(std::in_place);
      case TryRecv::received:
        break;
    }
    return std::optional<T>(slot.take());
  }

  class iterator {
   public:
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(ChanCore* c) : c_(c) { ++*this; }
    T& operator*() { return *v_; }
    iterator& operator++() {
      ElemSlot<T> slot;
      if (chan_recv(c_, slot.raw())) {
        v_.emplace(slot.take());
      } else {
        v_.reset();
      }
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) { return !it.v_; }

   private:
    ChanCore* c_ = nullptr;
    std::optional<T> v_;
  };
  // `for (T v : ch)` receives until the channel is closed and drained.
  iterator begin() const { return iterator(chan()); }
  std::default_sentinel_t end() const noexcept { return {}; }

 private:
  ChanCore* chan() const noexcept { return static_cast<const Self*>(this)->core(); }
};

// Send operations, mixed into Chan<T> and SendChan<T>.
template <class T, class Self>
class SendOps {
 public:
  // Blocks until a receiver takes the value or the buffer has room.
  void send(const T& v) const requires std::is_copy_constructible_v<T> {
    T copy(v);
    chan_send(chan(), &copy);
  }
  void send(T&& v) const { chan_send(chan(), &v); }
  // For Chan<>: `done.send()` is Go's `done <- struct{}{}`.
  void send() const requires std::is_same_v<T, Unit> {
    Unit u;
    chan_send(chan(), &u);
  }
  // Non-blocking send: false (value untouched) if it would block.
  bool try_send(T&& v) const { return chan_try_send(chan(), &v); }
  bool try_send(const T& v) const requires std::is_copy_constructible_v<T> {
    T copy(v);
    return chan_try_send(chan(), &copy);
  }
  // Go's close(ch).
  void close() const { chan_close(chan()); }

 private:
  ChanCore* chan() const noexcept { return static_cast<const Self*>(this)->core(); }
};

// What all channel views share: identity, len, cap.
template <class T>
class ChanView : public ChanHandle {
 public:
  using value_type = T;
  ChanView() noexcept = default;
  explicit ChanView(ChanCore* adopt) noexcept : ChanHandle(adopt) {}
  explicit ChanView(const ChanHandle& h) noexcept : ChanHandle(h) {}
  explicit ChanView(ChanHandle&& h) noexcept : ChanHandle(std::move(h)) {}

  std::int64_t len() const noexcept { return chan_len(core()); }
  std::int64_t cap() const noexcept { return chan_cap(core()); }
  explicit operator bool() const noexcept { return core() != nullptr; }
  friend bool operator==(const ChanView& a, const ChanView& b) noexcept {
    return a.core() == b.core();
  }
};

}  // namespace detail

// A bidirectional channel handle.
template <class T = Unit>
class Chan : public detail::ChanView<T>,
             public detail::RecvOps<T, Chan<T>>,
             public detail::SendOps<T, Chan<T>> {
 public:
  static_assert(std::is_nothrow_move_constructible_v<T> || std::is_copy_constructible_v<T>,
                "channel elements must be movable");
  Chan() noexcept = default;
  // For make_chan: adopts a reference to a new channel.
  Chan(detail::AdoptChan, detail::ChanCore* adopt) noexcept : detail::ChanView<T>(adopt) {}
  using detail::ChanView<T>::core;
};

// A receive-only view (`<-chan T`).
template <class T = Unit>
class RecvChan : public detail::ChanView<T>, public detail::RecvOps<T, RecvChan<T>> {
 public:
  RecvChan() noexcept = default;
  RecvChan(const Chan<T>& c) noexcept  // NOLINT(google-explicit-constructor): as in Go
      : detail::ChanView<T>(static_cast<const detail::ChanHandle&>(c)) {}
  RecvChan(Chan<T>&& c) noexcept  // NOLINT(google-explicit-constructor)
      : detail::ChanView<T>(static_cast<detail::ChanHandle&&>(c)) {}
  using detail::ChanView<T>::core;
};

// A send-only view (`chan<- T`).
template <class T = Unit>
class SendChan : public detail::ChanView<T>, public detail::SendOps<T, SendChan<T>> {
 public:
  SendChan() noexcept = default;
  SendChan(const Chan<T>& c) noexcept  // NOLINT(google-explicit-constructor): as in Go
      : detail::ChanView<T>(static_cast<const detail::ChanHandle&>(c)) {}
  SendChan(Chan<T>&& c) noexcept  // NOLINT(google-explicit-constructor)
      : detail::ChanView<T>(static_cast<detail::ChanHandle&&>(c)) {}
  using detail::ChanView<T>::core;
};

// make(chan T, capacity). A negative capacity throws Panic("makechan: size out of
// range").
template <class T = Unit>
Chan<T> make_chan(std::int64_t capacity = 0) {
  return Chan<T>(detail::AdoptChan{}, detail::chan_make(&detail::kElemOps<T>, capacity));
}

}  // namespace gocxx
