// sync.WaitGroup, after Go's sync/waitgroup.go: one 64-bit state word (counter in
// the high half, waiter count in the low half) and a runtime semaphore.
#include <cstdint>

#include "gocxx/detail/bubble.hpp"
#include "gocxx/errors.hpp"
#include "gocxx/sync.hpp"
#include "runtime/sched.hpp"
#include "runtime/sema.hpp"

namespace gocxx::sync {

void WaitGroup::add(int delta) {
  std::uint64_t state =
      state_.fetch_add(static_cast<std::uint64_t>(static_cast<std::int64_t>(delta)) << 32,
                       std::memory_order_acq_rel) +
      (static_cast<std::uint64_t>(static_cast<std::int64_t>(delta)) << 32);
  auto v = static_cast<std::int32_t>(state >> 32);
  auto w = static_cast<std::uint32_t>(state);
  if (v < 0) throw Panic("sync: negative WaitGroup counter");
  if (delta > 0 && v == delta && detail::g_bubbles_alive.load(std::memory_order_relaxed) != 0)
      [[unlikely]] {
    bubble_.store(rt::current_bubble(), std::memory_order_relaxed);
  }
  if (w != 0 && delta > 0 && v == delta) {
    throw Panic("sync: WaitGroup misuse: Add called concurrently with Wait");
  }
  if (v > 0 || w == 0) return;
  // The counter reached zero with waiters: nobody may touch the state now but us.
  if (state_.load(std::memory_order_relaxed) != state) {
    throw Panic("sync: WaitGroup misuse: Add called concurrently with Wait");
  }
  state_.store(0, std::memory_order_relaxed);
  for (; w != 0; --w) rt::sema_release(&sema_);
}

void WaitGroup::wait() {
  std::uint64_t state = state_.load(std::memory_order_acquire);
  for (;;) {
    if ((state >> 32) == 0) return;
    if (state_.compare_exchange_weak(state, state + 1, std::memory_order_acq_rel,
                                     std::memory_order_acquire)) {
      rt::Bubble* mine = detail::g_bubbles_alive.load(std::memory_order_relaxed) != 0
                             ? rt::current_bubble()
                             : nullptr;
      bool durable = mine != nullptr && bubble_.load(std::memory_order_relaxed) == mine;
      rt::sema_acquire(&sema_, "sync.WaitGroup.Wait", false, durable);
      if (state_.load(std::memory_order_acquire) != 0) {
        throw Panic("sync: WaitGroup is reused before previous Wait has returned");
      }
      return;
    }
  }
}

}  // namespace gocxx::sync
