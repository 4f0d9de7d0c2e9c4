// The network poller's descriptor state (Go's runtime/netpoll.go pollDesc).
//
// One epoll instance serves the whole runtime. Every descriptor the net package
// opens is registered once, edge-triggered, for reading and writing; its PollDesc
// records, per direction, whether the kernel reported readiness since the last
// wait consumed it, who waits, and the deadline. An operation first tries its
// system call; only on EAGAIN does it wait (poll_wait), and after every wake-up it
// tries the call again, so a stale or spurious readiness report costs one extra
// EAGAIN, never a lost wake-up.
//
// Locks: PollDesc::mu guards everything below it and is held only for a few
// instructions (never across a park: the park's commit releases it). The deadline
// timers' functions take it; they run without their timer's lock.
//
// Lifetime: PollDescs are never returned to the allocator. A closed descriptor's
// PollDesc goes to a free list and is reused, so an epoll event still in flight for
// it (another thread may have fetched it just before the descriptor was closed)
// lands on valid memory; at worst it marks the reused PollDesc ready, which costs a
// retry.
#pragma once

#include <cstdint>

#include "lock.hpp"
#include "thread_annotations.hpp"

namespace gocxx::rt {

struct G;
struct Timer;
struct PollDesc;

// What a wait on a descriptor ended with.
enum class PollResult : std::uint8_t {
  ready,    // readiness was reported: retry the system call
  closed,   // the descriptor is being closed (net.ErrClosed)
  timeout,  // the direction's deadline has passed (os.ErrDeadlineExceeded)
};

enum class PollMode : std::uint8_t { read, write };

struct PollSide {
  PollDesc* pd = nullptr;  // back pointer, for the deadline timer
  G* waiter = nullptr;     // parked in poll_wait (at most one: net serialises each side)
  bool ready = false;      // the kernel reported readiness since a wait last consumed it
  bool expired = false;    // the deadline has passed (until it is moved)
  bool has_deadline = false;
  std::int64_t deadline = 0;  // monotonic ns, when has_deadline
  Timer* timer = nullptr;     // fires at the deadline (made on first use, reused)
};

struct PollDesc {
  Lock mu;
  int fd GOCXX_GUARDED_BY(mu) = -1;
  bool closing GOCXX_GUARDED_BY(mu) = false;
  PollSide rd GOCXX_GUARDED_BY(mu);
  PollSide wr GOCXX_GUARDED_BY(mu);
  PollDesc* free_link = nullptr;  // the free list (under its own lock)
};

}  // namespace gocxx::rt
