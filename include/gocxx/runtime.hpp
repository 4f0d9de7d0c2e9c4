// Goroutines and the runtime (Go's `go` statement and package runtime).
//
//   gocxx::run([] {                       // main() as goroutine 1
//     auto done = gocxx::make_chan<>();
//     gocxx::go([done] { work(); done.close(); });
//     done.recv();
//   });
//
// Goroutines are stackful: each runs on its own mmap'd stack (default 256 KiB of
// address space, committed lazily, with a 64 KiB guard region whose violation ends
// the process with `fatal error: goroutine N stack overflow`). Deep recursion and a
// single huge frame (a large local array) both hit the guard: the gocxx::gocxx
// CMake target compiles users' code with -fstack-clash-protection, so no frame can
// step over it. Code built without that flag must keep its frames
// under 64 KiB. Pages a goroutine touched are given back to the kernel a second or
// two after its stack was last used. Goroutines are multiplexed onto GOMAXPROCS
// processors by a work-stealing scheduler (docs/architecture.md).
//
// Goroutines migrate between OS threads at every blocking point. Do not hold the
// address of a thread_local object, or a lock owned by the OS thread (std::mutex),
// across a blocking call; use runtime::lock_os_thread() where a thread identity is
// required. (glibc declares pthread_self() and __errno_location() `const`, so an
// optimiser may even reuse their results across a blocking call.) Each goroutine has its own C++
// exception-handling state, so a goroutine may block inside a catch block.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <new>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/goroutine.hpp"
#include "errors.hpp"

namespace gocxx {

// Starts f(args...) in a new goroutine. Like std::thread, the callable and the
// arguments are decay-copied; the copies are invoked as rvalues. Returns at once
// (under the child-first policy the child may already have run to its first
// blocking point). Starts the runtime if it is not running yet.
//
// Always inlined, in every build type, so that the goroutine's `created by` line
// in tracebacks names the function containing the call.
template <class F, class... Args>
[[gnu::always_inline]] inline void go(F&& f, Args&&... args) {
  if constexpr (std::is_pointer_v<std::remove_reference_t<F>>) {
    if (f == nullptr) detail::fatal("go of nil func value");
  }
  using Task = detail::GoTask<std::decay_t<F>, std::decay_t<Args>...>;
  detail::NewGoroutine slot = detail::new_goroutine(sizeof(Task), alignof(Task));
  try {
    ::new (slot.storage) Task(std::forward<F>(f), std::forward<Args>(args)...);
  } catch (...) {
    detail::discard_goroutine(slot.g);
    throw;
  }
  detail::start_goroutine(slot.g, &detail::kTaskOps<Task>);
  // Not a tail call: the return address start_goroutine records must lie in the
  // function holding the go call, even when the call is that function's last act.
  asm volatile("" ::: "memory");
}

// Runs main as the main goroutine (goroutine 1 for the first call) and returns its
// result (0 when it returns void) once it returns. As in Go, goroutines still alive
// then are abandoned: they stay blocked, or run on until the process exits. Blocks
// the calling thread; may be called more than once, and from a goroutine.
template <class F>
int run(F&& main) {
  int result = 0;
  auto body = [&] {
    if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
      std::invoke(main);
    } else {
      result = static_cast<int>(std::invoke(main));
    }
  };
  detail::run_main([](void* b) { (*static_cast<decltype(body)*>(b))(); }, &body);
  return result;
}

// Calls f(args...) on the current goroutine as a blocking system call: while it
// runs, the goroutine's processor is handed to another thread, so other goroutines
// keep running (Go's entersyscall/exitsyscall). Returns f's result.
template <class F, class... Args>
decltype(auto) blocking(F&& f, Args&&... args) {
  detail::BlockingRegion region;
  return std::invoke(std::forward<F>(f), std::forward<Args>(args)...);
}

namespace runtime {

// Sets the number of processors when n > 0; returns the previous setting. n <= 0
// only queries. Default: $GOMAXPROCS, else num_cpu(). A decrease takes effect at
// each processor's next scheduling point.
int gomaxprocs(int n);

// The number of CPUs this process may run on (sched_getaffinity).
int num_cpu();

// The number of goroutines that exist (not plain threads, not timers).
int64_t num_goroutine();

// Yields the processor: the goroutine goes to the global run queue, as in Go.
// From a plain thread it yields the thread.
void gosched();

// Ends the calling goroutine after running the destructors of its frames (it
// unwinds with an exception type nothing but the runtime should catch: a
// `catch (...)` must rethrow). Other goroutines are unaffected.
[[noreturn]] void goexit();

// The calling goroutine's id: unique, never reused, 0 outside goroutines.
uint64_t goroutine_id();

// Wires the calling goroutine to its current OS thread (Go's LockOSThread): from
// now on it runs only on that thread, and no other goroutine runs there, whatever
// readies or moves it, until as many unlock_os_thread calls as there were
// lock_os_thread calls. More unlocks than locks are ignored. A goroutine that exits
// while locked takes its thread with it: the thread ends instead of running other
// goroutines (it may hold state, such as a namespace or credentials, that nobody
// else should inherit). Scheduling a locked goroutine hands a processor between
// threads, so each of its blocking operations costs a few thread wake-ups. From a
// plain thread both are no-ops.
void lock_os_thread();
void unlock_os_thread();

// Go's runtime.SetBlockProfileRate: the block profile (pprof::lookup("block"))
// records where goroutines waited in a channel operation, select, a Mutex or
// RWMutex lock, Cond::wait or WaitGroup::wait, and for how long: every wait of
// at least `rate` nanoseconds, a shorter one with probability wait/rate (1: every
// wait). rate <= 0 turns it off (the default).
void set_block_profile_rate(int rate);

// Go's runtime.SetMutexProfileFraction: the mutex profile (pprof::lookup("mutex"))
// records, one time in `rate` on average, an unlock of a Mutex or RWMutex that
// ended another goroutine's wait, at the unlocker's stack, with the time the
// waiter waited. rate > 0 sets it, 0 turns it off (the default), rate < 0 only
// reads. Returns the previous rate.
int set_mutex_profile_fraction(int rate);

// Go's runtime.Stack: the calling goroutine's traceback and, when all is set, a
// header (and creation site) of every other goroutine.
std::string stack(bool all);

// Deadlock detection (Go's checkdead). When at least one goroutine exists and
// every goroutine is parked in a wait that only a goroutine or thread could end
// (a channel, select, Mutex, RWMutex, Cond, WaitGroup, Once, and what is built on
// them), while nothing else may still wake one (a running or runnable goroutine, a
// goroutine in time::sleep, socket I/O or gocxx::blocking, an armed timer, ticker
// or context deadline, an M at work, or a thread the runtime did not create that
// is alive and not itself parked in a gocxx wait), the process writes `fatal
// error: all goroutines are asleep - deadlock!`, a blank line and every
// goroutine's traceback to stderr and exits with status 2 (abort() under
// GOTRACEBACK=crash). After run()'s main called goexit() and every other
// goroutine ended, the message is `no goroutines (main called runtime.Goexit) -
// deadlock!`. The report comes within about 200 ms of the moment the condition
// starts to hold. On by default; $GOCXX_DEADLOCK=0 at start-up turns it off, as
// does set_deadlock_detection(false), for programs whose goroutines are woken from
// outside the runtime's view. Returns the previous setting.
bool set_deadlock_detection(bool on);

// What `go f()` does with the parent and the child (docs/decisions.md):
//   child_first:  the tutorial's continuation stealing: the child runs at once, the
//                 parent's continuation is queued at the tail of the processor's
//                 deque; the owner takes from the tail, thieves from the head.
//   parent_first: Go's policy: the child goes to the processor's `runnext` slot and
//                 the parent continues; the owner takes the deque in FIFO order.
// Settable with $GOCXX_SPAWN=child_first|parent_first.
enum class SpawnPolicy { child_first, parent_first };
void set_spawn_policy(SpawnPolicy policy);
SpawnPolicy spawn_policy();

// The stack reservation of goroutines created from now on (rounded up to pages,
// at least 16 KiB). Default 256 KiB or $GOCXX_STACK_SIZE (bytes, K/M suffix).
void set_stack_size(std::size_t bytes);
std::size_t stack_size();

}  // namespace runtime

namespace metrics {

// One value of Go's runtime/metrics.
struct Sample {
  std::string name;  // "<path>:<unit>", Go 1.26's spelling
  double value;
};

// The scheduler's metrics now, as Go 1.26's runtime/metrics names them:
//   /sched/goroutines/running:goroutines, /sched/goroutines/runnable:goroutines,
//   /sched/goroutines/waiting:goroutines, /sched/goroutines/not-in-go:goroutines
//     (in gocxx::blocking), /sched/goroutines-created:goroutines (ever),
//   /sched/threads/total:threads (the runtime's threads), /sched/gomaxprocs:threads,
//   /sched/latencies:seconds (the mean time a readied goroutine waited to run,
//     sampled, about one ready in 64) and /sched/latencies-p99:seconds (its 99th
//     percentile, to a power of two of nanoseconds; both 0 before any sample).
// The counts are read without stopping anything: each is exact, their sum may
// lag a moment behind num_goroutine().
std::vector<Sample> read();

}  // namespace metrics

namespace debug {

// Go 1.23's runtime/debug.SetCrashOutput: every fatal report (an uncaught panic,
// a fatal error such as a deadlock, a stack overflow, the SIGQUIT dump) is written
// to fd as well as to standard error. fd is duplicated, so the caller may close
// it at once; a later call replaces the earlier one, and -1 stops the extra copy.
// Fails (with the system's reason) only when fd cannot be duplicated.
Error set_crash_output(int fd);

// The stall report (after Seastar's stall detector): a goroutine that runs
// longer than `threshold` without reaching a scheduling point (a channel
// operation, a lock that waits, a sleep, gosched, spawning) keeps every
// goroutine queued on its processor waiting. Each such run is reported once on
// standard error, while it goes on:
//
//   gocxx: goroutine 7 ran 120ms without yielding
//
//   goroutine 7 [running]:
//   <its frames, as a traceback prints them>
//
// Zero or less turns it off, the default; GODEBUG=stallreport=100ms sets it at
// start-up. Time inside blocking() does not count. The stack is read by
// signalling the goroutine's thread (SIGRTMAX - 1).
void set_stall_threshold(std::chrono::nanoseconds threshold);

}  // namespace debug
}  // namespace gocxx
