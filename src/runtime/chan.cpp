// Channel operations, after Go's runtime/chan.go.
//
// Invariants (c->lock held):
//   * at least one of sendq and recvq is empty, except on an unbuffered channel
//     where one select waits to both send and receive;
//   * buffered: qcount > 0 implies recvq is empty; qcount < capacity implies sendq
//     is empty.
// A waiter is never readied while the lock is held: the waker records the outcome
// in the waiter's Sudog, unlocks, then calls ready().
#include <cstdint>
#include <new>

#include "chan_internal.hpp"
#include "gocxx/detail/bubble.hpp"
#include "gocxx/errors.hpp"
#include "panic.hpp"

namespace gocxx::rt {

[[noreturn]] void block_forever(const char* wait_reason) {
  if (G* self = current_g(); self->bubble != nullptr) self->durable_park = true;
  park([](G*, void*) {}, nullptr, wait_reason, kChanWaitForever);
  fatal("runtime: a goroutine blocked forever was woken");
}

[[noreturn]] void panic_send_on_closed() {
  throw Panic("send on closed channel");
}

namespace {

// Releases, right after the switch, the channel lock the parking context took (the
// analysis cannot follow a lock across a switch).
void unlock_chan(G* /*g*/, void* arg) GOCXX_NO_THREAD_SAFETY_ANALYSIS {
  static_cast<detail::ChanCore*>(arg)->unlock();
}

// park() whose commit releases c's lock (the analysis sees it released here), on
// the wait record sg.
void park_chan_unlock(detail::ChanCore* c, Sudog* sg, const char* wait_reason)
    GOCXX_RELEASE(c->mu) GOCXX_NO_THREAD_SAFETY_ANALYSIS {
  park_on_sudogs(sg, 1, unlock_chan, c, wait_reason);
}

constexpr std::size_t kMaxChanBytes = std::size_t{1} << 40;

}  // namespace
}  // namespace gocxx::rt

namespace gocxx::detail {

using rt::G;
using rt::Sudog;

ChanCore* chan_make(const ElemOps* ops, std::int64_t capacity) {
  std::size_t stride = ops->size;
  if (capacity < 0 ||
      (capacity > 0 && static_cast<std::size_t>(capacity) > rt::kMaxChanBytes / stride)) {
    throw Panic("makechan: size out of range");
  }
  std::size_t align = std::max(alignof(ChanCore), ops->align);
  std::size_t header = (sizeof(ChanCore) + align - 1) / align * align;
  std::size_t bytes = header + static_cast<std::size_t>(capacity) * stride;
  void* mem = ::operator new (bytes, std::align_val_t{align});
  auto* c = ::new (mem) ChanCore;
  c->ops = ops;
  c->capacity = capacity;
  c->stride = stride;
  c->buf = static_cast<unsigned char*>(mem) + header;
  if (detail::g_bubbles_alive.load(std::memory_order_relaxed) != 0) [[unlikely]]
    c->bubble = rt::current_bubble();
  return c;
}

void chan_retain(ChanCore* c) noexcept {
  c->refs.fetch_add(1, std::memory_order_relaxed);
}

// Reads the ring without the lock: the last handle is gone, so nobody else can.
void chan_release(ChanCore* c) noexcept GOCXX_NO_THREAD_SAFETY_ANALYSIS {
  if (c->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  // The last handle is gone: nobody can be waiting (a waiter holds a handle).
  if (!c->ops->trivial) {
    std::int64_t n = c->qcount.load(std::memory_order_relaxed);
    for (std::int64_t i = 0, x = c->recvx; i < n; ++i, x = (x + 1 == c->capacity) ? 0 : x + 1) {
      c->ops->destroy(c->slot(x));
    }
  }
  if (c->timer != nullptr) rt::timer_release(c->timer);
  std::size_t align = std::max(alignof(ChanCore), c->ops->align);
  c->~ChanCore();
  ::operator delete (static_cast<void*>(c), std::align_val_t{align});
}

namespace {

bool send_impl(ChanCore* c, void* src, bool block) {
  rt::maybe_preempt();
  if (c == nullptr) {
    if (!block) return false;
    rt::block_forever("chan send (nil chan)");
  }
  rt::check_chan_bubble(c, "send on");
  // Fast failure without the lock: a closed channel cannot go from "ready to send"
  // to "not ready", so reading closed, then full, is a consistent snapshot.
  if (!block && c->closed.load(std::memory_order_relaxed) == 0 && c->full()) return false;

  c->lock();
  if (c->closed.load(std::memory_order_relaxed) != 0) {
    c->unlock();
    rt::panic_send_on_closed();
  }
  if (Sudog* sg = c->recvq.dequeue()) {  // a receiver waits: hand the value over
    c->move_elem(sg->elem, src);
    G* g = rt::complete_wait(sg, true);
    c->unlock();
    rt::ready(g);
    return true;
  }
  if (c->qcount.load(std::memory_order_relaxed) < c->capacity) {
    c->buffer_push(src);
    c->unlock();
    return true;
  }
  if (!block) {
    c->unlock();
    return false;
  }
  Sudog sg;
  sg.g = rt::current_g();
  sg.elem = src;
  sg.c = c;
  c->sendq.enqueue(&sg);
  rt::park_chan_unlock(c, &sg, "chan send");
  if (!sg.success) rt::panic_send_on_closed();
  return true;
}

}  // namespace
}  // namespace gocxx::detail

namespace gocxx::rt {

detail::TryRecv chan_recv_core(detail::ChanCore* c, void* dst, bool block) {
  using detail::TryRecv;
  // Fast path: "empty, then closed" (the reverse order races with close).
  if (!block && c->empty()) {
    if (c->closed.load(std::memory_order_acquire) == 0) return TryRecv::would_block;
    if (c->empty()) return TryRecv::closed;
  }

  c->lock();
  if (c->closed.load(std::memory_order_relaxed) != 0) {
    if (c->qcount.load(std::memory_order_relaxed) == 0) {
      c->unlock();
      return TryRecv::closed;
    }
  } else if (Sudog* sg = c->sendq.dequeue()) {
    c->recv_from_sender(sg, dst);
    G* g = complete_wait(sg, true);
    c->unlock();
    ready(g);
    return TryRecv::received;
  }
  if (c->qcount.load(std::memory_order_relaxed) > 0) {
    c->buffer_pop(dst);
    c->unlock();
    return TryRecv::received;
  }
  if (!block) {
    c->unlock();
    return TryRecv::would_block;
  }
  Sudog sg;
  sg.g = current_g();
  sg.elem = dst;
  sg.c = c;
  c->recvq.enqueue(&sg);
  park_chan_unlock(c, &sg, "chan receive");
  return sg.success ? TryRecv::received : TryRecv::closed;
}

}  // namespace gocxx::rt

namespace gocxx::detail {
namespace {

TryRecv recv_impl(ChanCore* c, void* dst, bool block) {
  rt::maybe_preempt();
  if (c == nullptr) {
    if (!block) return TryRecv::would_block;
    rt::block_forever("chan receive (nil chan)");
  }
  rt::check_chan_bubble(c, "receive on");
  if (c->timer == nullptr) return rt::chan_recv_core(c, dst, block);
  // A timer's channel: run the timer if it is due; while we may block on it, it
  // must be in a heap (Go 1.23's blockTimerChan).
  rt::chan_timer_maybe_run(c->timer);
  if (!block) return rt::chan_recv_core(c, dst, false);
  rt::chan_timer_block(c->timer);
  struct Unblock {
    rt::Timer* t;
    ~Unblock() { rt::chan_timer_unblock(t); }
  } unblock{c->timer};
  return rt::chan_recv_core(c, dst, true);
}

}  // namespace

void chan_send(ChanCore* c, void* src) {
  send_impl(c, src, true);
}
bool chan_try_send(ChanCore* c, void* src) {
  return send_impl(c, src, false);
}

bool chan_recv(ChanCore* c, void* dst) {
  return recv_impl(c, dst, true) == TryRecv::received;
}
TryRecv chan_try_recv(ChanCore* c, void* dst) {
  return recv_impl(c, dst, false);
}

void chan_close(ChanCore* c) {
  if (c == nullptr) throw Panic("close of nil channel");
  rt::check_chan_bubble(c, "close of");
  c->lock();
  if (c->closed.load(std::memory_order_relaxed) != 0) {
    c->unlock();
    throw Panic("close of closed channel");
  }
  c->closed.store(1, std::memory_order_release);
  // Wake every receiver (they see "closed") and every sender (they panic).
  G* wake = nullptr;
  G** tail = &wake;
  for (rt::WaitQ* q : {&c->recvq, &c->sendq}) {
    while (Sudog* sg = q->dequeue()) {
      G* g = rt::complete_wait(sg, false);
      g->sched_link = nullptr;
      *tail = g;
      tail = &g->sched_link;
    }
  }
  c->unlock();
  rt::ready_list(wake);
}

// A timer's channel presents itself as unbuffered (Go 1.23: len and cap are 0).
std::int64_t chan_len(const ChanCore* c) noexcept {
  return c == nullptr || c->timer != nullptr ? 0 : c->qcount.load(std::memory_order_relaxed);
}

std::int64_t chan_cap(const ChanCore* c) noexcept {
  return c == nullptr || c->timer != nullptr ? 0 : c->capacity;
}

}  // namespace gocxx::detail
