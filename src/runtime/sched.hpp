// The scheduler's data structures: G (goroutine), M (OS thread), P (processor).
//
// Invariants a reader should hold on to (details in docs/architecture.md):
//
//  * A G runs on at most one M at a time, and only on an M that holds a P (plain
//    threads never run goroutines; they park on a futex instead).
//  * A context that stops running (parks, yields, is preempted by its child, exits)
//    becomes visible to other threads only in the *after-switch action* that the
//    context replacing it runs on the same M right after the switch. So nobody can
//    resume a G whose registers are not yet saved, and nobody can reuse the stack of
//    a dying G that is still executing its last instructions.
//  * Every runnable G is in exactly one place: a P's runnext slot, a P's deque, the
//    global queue, or in flight in an after-switch action.
//  * The global queue, the idle-P list and the idle-M list are protected by
//    sched().lock. An M drops its P only while holding that lock and after checking
//    the global queue, so work put there under the lock is never stranded.
#pragma once

#include <pthread.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "gocxx/detail/goroutine.hpp"
#include "lock.hpp"
#include "runq.hpp"
#include "sanitizers.hpp"
#include "stack.hpp"
#include "timer.hpp"

namespace gocxx::rt {

struct G;
struct M;
struct P;
struct Sudog;

enum class GStatus : std::uint8_t { idle, runnable, running, waiting, syscall, dead };

// An action run by the context that replaced `from`, right after the switch.
using AfterSwitchFn = void (*)(G* from, void* arg);

// libstdc++/libc++abi per-thread exception state (__cxa_eh_globals): the list of
// caught exceptions and the uncaught count. Each goroutine keeps its own copy.
struct EhState {
  void* caught = nullptr;
  unsigned int uncaught = 0;
};

inline constexpr std::size_t kInlineTaskSize = 64;

// A field that other threads read without synchronisation (tracebacks, debugging):
// a relaxed atomic, so those snapshots are defined behaviour and invisible to
// ThreadSanitizer, at the cost of a plain load or store.
template <class T>
class Racy {
 public:
  constexpr Racy(T v = T{}) noexcept : v_(v) {}  // NOLINT(google-explicit-constructor)
  Racy& operator=(T v) noexcept {
    v_.store(v, std::memory_order_relaxed);
    return *this;
  }
  operator T() const noexcept { return v_.load(std::memory_order_relaxed); }  // NOLINT

 private:
  std::atomic<T> v_;
};

struct G {
  enum class Kind : std::uint8_t { goroutine, g0, thread };

  // --- context ---
  void* sp = nullptr;  // saved stack pointer while switched out
  Stack stack;         // goroutines only; g0 and threads run on their OS stack
  SanitizerContext san;
  EhState eh;
  Kind kind = Kind::goroutine;

  // --- identity (for tracebacks) ---
  Racy<std::uint64_t> id = 0;
  Racy<std::uint64_t> parent_id = 0;
  Racy<void*> creator_pc = nullptr;  // in the function that called go()
  std::atomic<GStatus> status{GStatus::idle};
  Racy<const char*> wait_reason = "";

  // --- scheduling ---
  G* sched_link = nullptr;  // global queue, free lists, batches
  // lock_os_thread: the M this G is wired to, and how many unlocks that takes.
  // Set and cleared only by the G itself while it runs on that M.
  Racy<M*> locked_m = nullptr;  // read by tracebacks of other goroutines
  std::uint32_t lock_count = 0;
  M* avoid_m = nullptr;  // debug migration mode

  // --- waiting ---
  std::atomic<std::uint32_t> select_done{0};  // a waker claims a parked select once
  Sudog* param = nullptr;                     // the wait record that woke us
  std::uint32_t sema_ticket = 0;              // semaphore hand-off
  std::atomic<std::uint32_t> thread_wake{0};  // Kind::thread: 0 waiting, 1 woken, 2 asleep

  Timer* sleep_timer = nullptr;  // time::sleep's timer, made on first use

  // --- the function the goroutine runs ---
  const detail::TaskOps* task_ops = nullptr;
  void* task = nullptr;
  void* task_heap = nullptr;  // task storage when it did not fit inline
  alignas(16) unsigned char task_inline[kInlineTaskSize];

  G* all_link = nullptr;  // registry of every G ever made (for runtime::stack)
};

struct M {
  int id = 0;
  G g0;               // this thread's own stack, where the scheduler loop runs
  G* curg = nullptr;  // the context running on this M (&g0 while scheduling)
  P* p = nullptr;
  P* nextp = nullptr;                  // handed over by whoever woke us
  std::atomic<std::uint32_t> park{0};  // 0 asleep, 1 handed a P, 2 timer wake-up
  bool spinning = false;
  // The goroutine wired to this M (lock_os_thread). While set, the M runs that G
  // and nothing else: when it stops running, the M gives its P away and sleeps
  // until the M that dequeues the G hands it a P (Go's stoplockedm/startlockedm).
  G* locked_g = nullptr;
  // A G locked to another M that a direct switch (take_local) dequeued: g0 hands
  // it to its M before looking for other work.
  G* start_locked = nullptr;
  // The locked goroutine exited while locked: this thread ends with it (Go 1.10+:
  // the thread may be in a state nobody else should inherit).
  bool exit_thread = false;
  void* eh_globals = nullptr;  // this thread's __cxa_eh_globals
  std::uint64_t rng = 0;
  M* idle_link = nullptr;
  struct {
    AfterSwitchFn fn = nullptr;
    G* from = nullptr;
    void* arg = nullptr;
  } after;
  pthread_t thread{};
  void* signal_stack = nullptr;
};

enum class PStatus : std::uint8_t { idle, running, dead };

struct alignas(64) P {
  int id = 0;
  std::atomic<PStatus> status{PStatus::idle};
  M* m = nullptr;
  P* idle_link = nullptr;
  RunQueue runq;
  std::atomic<G*> runnext{nullptr};
  std::uint64_t schedtick = 0;
  std::uint32_t runnext_streak = 0;
  std::uint64_t starve_checks = 0;
  G* starve_watch = nullptr;  // the deque's head when last checked, and since when
  std::int64_t starve_since_ns = 0;
  StackCache stacks;
  TimerHeap timers;
  std::uint32_t timer_checks = 0;
  G* gfree = nullptr;
  int ngfree = 0;
  std::uint64_t goid_next = 0;
  std::uint64_t goid_end = 0;
  std::atomic<std::int64_t> goroutines{0};  // started here minus exited here
};

inline constexpr int kMaxProcs = 1024;

struct Sched {
  Lock lock;  // guards everything below that is not atomic
  G* runq_head = nullptr;
  G* runq_tail = nullptr;
  std::atomic<std::int64_t> runq_size{0};
  P* pidle = nullptr;
  std::atomic<int> npidle{0};
  M* midle = nullptr;
  int nmidle = 0;
  int mcount = 0;
  std::atomic<int> nmspinning{0};
  std::atomic<int> gomaxprocs{0};
  std::atomic<int> nallp{0};  // Ps ever created; allp[i] for i < nallp stay valid
  P* allp[kMaxProcs] = {};
  std::atomic<bool> migrate_every_switch{false};
  // The idle M sleeping until the earliest timer, and until when (0: none).
  std::atomic<M*> timer_sleeper{nullptr};
  std::atomic<std::int64_t> sleep_until{0};

  Lock gfree_lock;
  G* gfree = nullptr;
  int ngfree = 0;

  Lock allg_lock;
  G* allg = nullptr;

  std::atomic<std::uint64_t> goid_gen{2};  // 1 is the first run()'s main
  std::atomic<std::int64_t> goroutines_no_p{0};
  std::atomic<int> spawn_policy{0};
};

// All scheduler state: constant-initialised, never destroyed (goroutines may still be
// running while static destructors run at exit).
extern Sched g_sched;
inline Sched& sched() noexcept {
  return g_sched;
}
void ensure_started() noexcept;

// The running context: the goroutine (or g0) on an M, or the plain thread's stand-in.
// Never inlined and never cached across a blocking call: a goroutine may resume on
// another thread, and compilers keep thread-local addresses in registers.
G* current_g() noexcept;
M* current_m() noexcept;

// Parks the calling goroutine (or blocks the calling thread) until ready(). commit
// runs once the caller's context is saved (on another stack), typically to release
// the lock that guards the wait queue the caller put itself on.
using ParkCommit = void (*)(G* parked, void* arg);
void park(ParkCommit commit, void* arg, const char* wait_reason);
// Makes a parked goroutine runnable (it runs next on the caller's processor) or
// wakes a parked thread.
void ready(G* g);
// Readies a list linked through sched_link (used by close to wake every waiter).
void ready_list(G* head);

// wyrand: a fast generator for steal order and select's poll order.
inline std::uint64_t wyrand(std::uint64_t& state) noexcept {
  state += 0xa0761d6478bd642fULL;
  __uint128_t t = static_cast<__uint128_t>(state) * (state ^ 0xe7037ed1a0b428dbULL);
  return static_cast<std::uint64_t>(t >> 64) ^ static_cast<std::uint64_t>(t);
}

// Any thread's generator will do, so reading the thread-local state directly is
// fine even if the caller migrates right after.
inline constinit thread_local std::uint64_t tls_rand_state = 0;

// A uniformly distributed integer in [0, n) (Lemire's multiply-shift, no division).
inline std::uint32_t fast_rand_n(std::uint32_t n) noexcept {
  std::uint64_t& st = tls_rand_state;
  if (st == 0) st = reinterpret_cast<std::uintptr_t>(&st) | 1;
  auto r = static_cast<std::uint32_t>(wyrand(st));
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(r) * n) >> 32);
}

// Debugging and tests: the ids in the current processor's deque (head first) and its
// runnext slot (0 if empty). Returns false outside a processor.
// The heap new timers go to: the current processor's, else processor 0's.
TimerHeap* local_timer_heap() noexcept;
// A timer due at `when` was armed: make sure some M will wake for it.
void timer_added(std::int64_t when) noexcept;

bool debug_local_queue(std::uint64_t* ids, int max, int* count, std::uint64_t* runnext);

}  // namespace gocxx::rt
