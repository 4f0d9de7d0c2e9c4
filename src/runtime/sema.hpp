// Runtime semaphores keyed by address (Go's runtime/sema.go): the sleep/wake-up
// half of sync primitives whose fast path is a CAS on their own state word.
//
// The waiter queues live in a global table, not in the object: after a release has
// bumped *addr it never touches the object again, so an object (a WaitGroup, say)
// may be destroyed as soon as its last waiter returns.
#pragma once

#include <cstdint>

namespace gocxx::rt {

// Waits until *addr > 0, then decrements it. Parks the goroutine (or the thread).
// durable: in a fake-time bubble, the wait counts as durably blocked (WaitGroup).
void sema_acquire(std::uint32_t* addr, const char* wait_reason, bool lifo = false,
                  bool durable = false);
// Increments *addr and wakes one waiter (FIFO), handing the count straight to it.
void sema_release(std::uint32_t* addr);

class Lock;
// The runtime lock that guards the semaphore queue of addr; sync.Cond's ticket list
// uses the one for its own address (a few dozen instructions under it, never a park).
Lock& sema_lock_for(const void* addr) noexcept;

// Go's sync_runtime_canSpin: whether a sync.Mutex locker should spin once more
// (iteration iter) instead of queueing. Spinning pays only on a multicore machine,
// with another processor running (it may be the holder, about to unlock) and
// nothing else waiting to run here; and only a few times, since spinning on a lock
// held by a preempted or blocked goroutine is wasted.
bool sync_can_spin(int iter) noexcept;
// Go's sync_runtime_doSpin: a short busy wait (30 pause instructions).
void sync_do_spin() noexcept;

}  // namespace gocxx::rt
