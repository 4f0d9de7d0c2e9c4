// sync.Cond, after Go's notifyList (runtime/sema.go): a ticket counter instead of a
// bare queue, so that a signal racing with a waiter that has unlocked l but not yet
// gone to sleep is neither lost nor given to a later waiter.
#include <cstdint>

#include "gocxx/sync.hpp"
#include "runtime/lock.hpp"
#include "runtime/sched.hpp"
#include "runtime/sema.hpp"

namespace gocxx::sync {

struct Cond::Waiter {
  rt::G* g;
  std::uint32_t ticket;
  Waiter* next;
};

namespace {

// Ticket a was handed out before ticket b (the counters wrap).
bool before(std::uint32_t a, std::uint32_t b) noexcept {
  return static_cast<std::int32_t>(a - b) < 0;
}

}  // namespace

void Cond::wait() {
  const std::uint32_t ticket = wait_ticket_.fetch_add(1, std::memory_order_acq_rel);
  l.unlock();
  rt::Lock& lock = rt::sema_lock_for(this);
  lock.lock();
  if (before(ticket, notify_ticket_.load(std::memory_order_relaxed))) {
    lock.unlock();  // already signalled between our unlock and here
  } else {
    Waiter w{rt::current_g(), ticket, nullptr};
    if (tail_ == nullptr) {
      head_ = &w;
    } else {
      tail_->next = &w;
    }
    tail_ = &w;
    if (w.g->bubble != nullptr) w.g->durable_park = true;  // durable in a bubble
    rt::park_unlock(lock, "sync.Cond.Wait");
  }
  l.lock();
}

void Cond::signal() {
  // Nobody waiting since the last wake-up: no lock needed (Go's fast path).
  if (wait_ticket_.load(std::memory_order_acquire) ==
      notify_ticket_.load(std::memory_order_acquire)) {
    return;
  }
  rt::Lock& lock = rt::sema_lock_for(this);
  lock.lock();
  const std::uint32_t t = notify_ticket_.load(std::memory_order_relaxed);
  if (t == wait_ticket_.load(std::memory_order_acquire)) {
    lock.unlock();
    return;
  }
  notify_ticket_.store(t + 1, std::memory_order_release);
  // Ticket t's owner is asleep in the list, or has yet to look at notify_ticket_
  // (then it will see it was signalled and not sleep).
  Waiter* prev = nullptr;
  for (Waiter* w = head_; w != nullptr; prev = w, w = w->next) {
    if (w->ticket != t) continue;
    if (prev == nullptr) {
      head_ = w->next;
    } else {
      prev->next = w->next;
    }
    if (tail_ == w) tail_ = prev;
    rt::G* g = w->g;
    lock.unlock();
    rt::ready(g);
    return;
  }
  lock.unlock();
}

void Cond::broadcast() {
  if (wait_ticket_.load(std::memory_order_acquire) ==
      notify_ticket_.load(std::memory_order_acquire)) {
    return;
  }
  rt::Lock& lock = rt::sema_lock_for(this);
  lock.lock();
  Waiter* w = head_;
  head_ = tail_ = nullptr;
  notify_ticket_.store(wait_ticket_.load(std::memory_order_acquire), std::memory_order_release);
  lock.unlock();
  while (w != nullptr) {
    Waiter* next = w->next;  // w lives on its goroutine's stack: read before readying
    rt::ready(w->g);
    w = next;
  }
}

}  // namespace gocxx::sync
