// Internal: the type-erased channel that Chan<T>, RecvChan<T>, SendChan<T> and
// select share. Implemented in src/runtime/chan.cpp after Go's runtime/chan.go.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

namespace gocxx::detail {

// How the channel moves elements it does not know the type of. Element moves must
// not throw (a throwing move terminates the program).
struct ElemOps {
  std::size_t size;
  std::size_t align;
  bool trivial;  // trivially copyable: moved with memcpy
  void (*move_construct)(void* dst, void* src) noexcept;
  void (*destroy)(void* p) noexcept;
};

template <class T>
inline constexpr ElemOps kElemOps = {
    sizeof(T),
    alignof(T),
    std::is_trivially_copyable_v<T>,
    [](void* dst, void* src) noexcept { ::new (dst) T(std::move(*static_cast<T*>(src))); },
    [](void* p) noexcept { static_cast<T*>(p)->~T(); },
};

class ChanCore;

// The check word a channel handle at `where` keeps beside its core pointer
// (chan.hpp). It depends on the handle's own address, so that a register the
// compiler happened to spill next to a copy of the core pointer cannot pass for
// one, and on a constant, so that a pointer kept next to its own address cannot
// either. One `lea`: handles are copied and moved on every `go`.
inline constexpr std::uintptr_t kHandleCheck = 0x5bd1e995;
inline std::uintptr_t handle_check(const ChanCore* c, const void* where) noexcept {
  return reinterpret_cast<std::uintptr_t>(c) + reinterpret_cast<std::uintptr_t>(where) +
         kHandleCheck;
}

ChanCore* chan_make(const ElemOps* ops, std::int64_t capacity);
void chan_retain(ChanCore* c) noexcept;
void chan_release(ChanCore* c) noexcept;

// Blocking send: moves *src into the channel. Nil channel: blocks forever. Closed
// channel: throws Panic("send on closed channel").
void chan_send(ChanCore* c, void* src);
// Non-blocking send: false if it would block.
bool chan_try_send(ChanCore* c, void* src);

// Blocking receive into raw storage dst: true if a value was constructed there,
// false if the channel is closed and drained.
bool chan_recv(ChanCore* c, void* dst);
enum class TryRecv { would_block, received, closed };
TryRecv chan_try_recv(ChanCore* c, void* dst);

void chan_close(ChanCore* c);
std::int64_t chan_len(const ChanCore* c) noexcept;
std::int64_t chan_cap(const ChanCore* c) noexcept;

// Raw, suitably aligned storage for one element that a peer may construct into.
template <class T>
struct ElemSlot {
  alignas(T) unsigned char bytes[sizeof(T)];
  void* raw() noexcept { return bytes; }
  T* get() noexcept { return std::launder(reinterpret_cast<T*>(bytes)); }
  // Moves the constructed element out and destroys the slot's copy.
  T take() noexcept(std::is_nothrow_move_constructible_v<T>) {
    T* p = get();
    T v(std::move(*p));
    p->~T();
    return v;
  }
};

}  // namespace gocxx::detail
