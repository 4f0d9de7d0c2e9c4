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
void sema_acquire(std::uint32_t* addr, const char* wait_reason, bool lifo = false);
// Increments *addr and wakes one waiter (FIFO), handing the count straight to it.
void sema_release(std::uint32_t* addr);

}  // namespace gocxx::rt
