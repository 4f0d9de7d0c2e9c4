// A fake-time bubble (synctest.cpp): its goroutine counts, its clock and its
// timers.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>

#include "lock.hpp"
#include "thread_annotations.hpp"
#include "timer.hpp"

namespace gocxx::rt {

struct G;

struct Bubble {
  Lock mu;
  std::uint64_t id = 0;
  // The fake clock, in steady_clock nanoseconds from the Unix epoch. Written by
  // the driver only, while every goroutine of the bubble is durably blocked;
  // read by them without the lock.
  std::atomic<std::int64_t> now{0};
  int total GOCXX_GUARDED_BY(mu) = 0;        // goroutines started and not yet ended
  int running GOCXX_GUARDED_BY(mu) = 0;      // of those, not counted as durably blocked
  int parking GOCXX_GUARDED_BY(mu) = 0;      // counted as blocked, park not yet committed
  G* driver GOCXX_GUARDED_BY(mu) = nullptr;  // parked until running drops to 0
  G* waiter GOCXX_GUARDED_BY(mu) = nullptr;  // in wait()
  bool root_done GOCXX_GUARDED_BY(mu) = false;
  bool ended GOCXX_GUARDED_BY(mu) = false;
  std::exception_ptr root_exception GOCXX_GUARDED_BY(mu);
  TimerHeap timers;  // the bubble's timers, on its clock; fired by the driver
};

}  // namespace gocxx::rt
