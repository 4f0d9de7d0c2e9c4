// The scheduler's data structures, as Go's runtime2.go: G (a goroutine, or the
// stand-in of a thread that runs the scheduler or blocks in a gocxx wait), M (an
// OS thread that runs goroutines), P (a processor: the right to run goroutines,
// with its run queue and caches; GOMAXPROCS of them), and Sched, the state they
// share.
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
//    global queue, an M's start_locked slot, or in flight in an after-switch action.
//  * The global queue, the idle-P list and the idle-M list are protected by
//    sched().lock. An M drops its P only while holding that lock and after checking
//    the global queue, so work put there under the lock is never stranded.
//  * A G locked to an M (lock_os_thread) runs only on that M, and that M runs no
//    other G while the lock holds.
#pragma once

#include <pthread.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "futex.hpp"
#include "gocxx/detail/goroutine.hpp"
#include "lock.hpp"
#include "runq.hpp"
#include "sanitizers.hpp"
#include "stack.hpp"
#include "thread_annotations.hpp"
#include "timer.hpp"

namespace gocxx::rt {

struct G;
struct M;
struct P;
struct Sudog;
struct LabelSet;

// A goroutine's status (Go's _Gidle ... _Gdead). Transitions:
//
//   idle ----start_g----> runnable ----switch_to----> running
//   running --park--> waiting --ready--> runnable
//   running --gosched, spawn (child first)--> runnable
// (park, gosched and the child-first spawn switch away first and mark the goroutine
// waiting or runnable right after, in the next context: a goroutine marked so is
// always switched out, its registers saved, for readers of its stack.)
//   running --blocking()--> syscall --returns--> running (or runnable, queued, when
//                                                sysmon gave its P away meanwhile)
//   running --exit--> dead --free_g--> idle (the G is reused)
enum class GStatus : std::uint8_t {
  idle,      // allocated or on a free list; not a goroutine at the moment
  runnable,  // in a run queue (or in flight to one); not running
  running,   // executing on an M, which holds a P
  waiting,   // parked; someone holds a reference that will ready it
  syscall,   // inside blocking(): its M runs it without a P
  dead,      // has returned; its stack is freed right after the switch away
};

// A processor's status.
enum class PStatus : std::uint8_t {
  idle,     // on the idle list (sched().lock guards it there); owned by nobody
  running,  // owned by an M (or being handed to one)
  dead,     // beyond GOMAXPROCS: owned by nobody until GOMAXPROCS grows again
};

// M::park: what an M sleeping on its futex was woken for.
enum class MPark : std::uint32_t {
  asleep,      // sleeping (or about to): nothing handed over yet
  handed_p,    // someone put a P in nextp (and, for a locked M, its G is runnable)
  timer_wake,  // the timer sleeper is to look at an earlier timer
  retire,      // idle too long: sysmon took it off the idle list; its thread ends
};

// G::thread_wake: the park of a plain thread (Kind::thread).
enum class ThreadWake : std::uint32_t {
  waiting,   // parked, spinning briefly before it sleeps
  woken,     // readied
  sleeping,  // asleep in the futex: the waker must wake it
};

// G::chan_wait: what a parked goroutine waits on, for the goroutine-leak profile:
// 0 outside channel waits, n for the channels of its n wait records
// (G::chan_wait_sudogs), kChanWaitForever on a nil channel or a select with no
// cases, which nothing can wake.
inline constexpr std::uint32_t kChanWaitForever = ~std::uint32_t{0};

// An action run by the context that replaced `from`, right after the switch.
using AfterSwitchFn = void (*)(G* from, void* arg);

// libstdc++/libc++abi per-thread exception state (__cxa_eh_globals): the list of
// caught exceptions and the uncaught count. Each goroutine keeps its own copy.
struct EhState {
  void* caught = nullptr;
  unsigned int uncaught = 0;
};

inline constexpr std::size_t kInlineTaskSize = 64;
// G::switch_hooks: bit 0 is the latency sample; pins count above it.
inline constexpr std::uint32_t kHookLatency = 1;
inline constexpr std::uint32_t kHookPin = 2;

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

struct Bubble;

struct G {
  enum class Kind : std::uint8_t {
    goroutine,  // a goroutine, on its own stack
    g0,         // an M's scheduler context, on the thread's own stack
    thread,     // a plain thread's stand-in while it waits in gocxx (never scheduled)
  };

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
  // pprof labels (shared, immutable; see labels.cpp): written only by the G itself
  // and, for a new G, by its creator; read by tracebacks under the labels lock.
  Racy<LabelSet*> labels = nullptr;
  std::atomic<GStatus> status{GStatus::idle};
  // What a switch to this goroutine must do first, tested there with one load
  // (zero: nothing). kHookLatency: a sampled ready stamped runnable_since. Each
  // kHookPin: a thread reading this switched-out goroutine's stack (Go's _Gscan
  // bit); the switch waits until the readers are done, so the stack they walk is
  // neither run on nor freed meanwhile (pin_switched_out).
  std::atomic<std::uint32_t> switch_hooks{0};
  Racy<const char*> wait_reason = "";
  // Roughly when it parked: a traceback's ", N minutes". Sysmon stamps parked
  // goroutines once a second, as Go's GC stamps waitsince, so parking never reads
  // a clock; the stamp is for the park whose park_gen is wait_since_gen (a park
  // bumps park_gen, which is all it does to start the clock).
  Racy<std::int64_t> wait_since = 0;
  Racy<std::uint64_t> wait_since_gen = 0;
  // When a sampled ready made it runnable (valid under kHookLatency): scheduling
  // latency.
  std::int64_t runnable_since = 0;
  bool goexiting = false;  // unwinding from runtime::goexit (set by the G itself)

  // --- scheduling ---
  G* sched_link = nullptr;  // global queue, free lists, batches
  // lock_os_thread: the M this G is wired to, and how many unlocks that takes.
  // Set and cleared only by the G itself while it runs on that M.
  Racy<M*> locked_m = nullptr;  // read by tracebacks of other goroutines
  std::uint32_t lock_count = 0;
  M* avoid_m = nullptr;  // debug migration mode

  // --- waiting ---
  std::atomic<std::uint32_t> select_done{0};  // 1 once a waker has claimed a parked select
  Sudog* param = nullptr;                     // the wait record that woke us
  FutexWord<ThreadWake> thread_wake{ThreadWake::waiting};  // Kind::thread only

  Timer* sleep_timer = nullptr;  // time::sleep's timer, made on first use

  // --- fake-time bubbles (synctest.cpp) ---
  // The bubble this goroutine belongs to (inherited from its creator; fixed for
  // life). durable_park: the park about to happen is a durable block (set by the
  // blocking operation, consumed by after_park). bubble_blocked: counted as
  // durably blocked in its bubble until ready() counts it back (bubble.mu).
  Bubble* bubble = nullptr;
  bool durable_park = false;
  bool bubble_blocked = false;

  // What a goroutine parked on channels waits on, for the goroutine-leak profile
  // (leak.cpp): written by the goroutine before it parks, read by the analysis
  // while it holds the goroutine pinned.
  Racy<std::uint32_t> chan_wait = 0;        // see kChanWaitForever
  Racy<Sudog*> chan_wait_sudogs = nullptr;  // its wait records (select: one per case)
  Racy<std::uint64_t> park_gen = 0;         // counts parks: the analysis sees a goroutine move

  // --- blocking() (Go's entersyscall/exitsyscall) ---
  // While the goroutine runs a blocking call, its P stays its own unless sysmon
  // takes it. The word says which: 0 outside a call; (seq << 2) | kSyscallKeepsP
  // while the P is still the goroutine's; (seq << 2) | kSyscallLostP once sysmon
  // took it. The goroutine leaving the call and sysmon race with one CAS on this
  // word each, and seq (per goroutine, per call) keeps sysmon from taking a P for
  // a later call than the one it watched. syscall_p is the P the call started on.
  std::atomic<std::uint64_t> syscall_word{0};
  std::uint64_t syscall_seq = 0;
  P* syscall_p = nullptr;

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
  P* nextp = nullptr;  // handed over by whoever woke us (read after park == handed_p)
  FutexWord<MPark> park{MPark::asleep};
  bool spinning = false;  // looking for work; counted in sched().nmspinning
  // The goroutine wired to this M (lock_os_thread). While set, the M runs that G
  // and nothing else: when it stops running, the M gives its P away and sleeps
  // until the M that dequeues the G hands it a P (Go's stoplockedm/startlockedm).
  G* locked_g = nullptr;
  // A G locked to another M that a direct switch (take_local_direct) dequeued: g0
  // hands it to its M before looking for other work.
  G* start_locked = nullptr;
  // The locked goroutine exited while locked: this thread ends with it (Go 1.10+:
  // the thread may be in a state nobody else should inherit).
  bool exit_thread = false;
  G* polled = nullptr;         // what the idle sleeper's poll made ready (for idle() to queue)
  void* eh_globals = nullptr;  // this thread's __cxa_eh_globals
  std::uint64_t rng = 0;
  M* idle_link = nullptr;       // sched().midle, under sched().lock
  std::int64_t idle_since = 0;  // when it joined midle (under sched().lock)
  struct {
    AfterSwitchFn fn = nullptr;
    G* from = nullptr;
    void* arg = nullptr;
  } after;
  pthread_t thread{};
  Racy<int> tid = 0;  // the kernel's thread id (set by the thread; the stall report signals it)
  void* signal_stack = nullptr;
};

struct alignas(64) P {
  int id = 0;
  std::atomic<PStatus> status{PStatus::idle};
  M* m = nullptr;
  P* idle_link = nullptr;  // sched().pidle, under sched().lock
  RunQueue runq;
  std::atomic<G*> runnext{nullptr};
  Racy<std::uint64_t> schedtick = 0;  // switches to a goroutine; sysmon reads it
  // The goroutine in blocking() here, and its syscall_word then (sysmon checks the
  // pair before it takes the P). Stale once the call returns.
  Racy<G*> syscall_g = nullptr;
  Racy<std::uint64_t> syscall_word = 0;
  // sysmon asks the running goroutine to yield at its next runtime call.
  std::atomic<bool> preempt{false};
  std::uint32_t runnext_streak = 0;
  std::uint64_t starve_checks = 0;
  G* starve_watch = nullptr;  // the deque's head when last checked, and since when
  std::int64_t starve_since_ns = 0;
  StackCache stacks;
  TimerHeap timers;
  std::uint32_t timer_checks = 0;
  G* gfree = nullptr;           // free Gs of this P (owner only)
  Racy<int> ngfree = 0;         // schedtrace reads it
  std::uint64_t goid_next = 0;  // a batch of goroutine ids
  std::uint64_t goid_end = 0;
  std::atomic<std::int64_t> goroutines{0};  // started here minus exited here
  Racy<std::uint64_t> created = 0;          // goroutines started here, ever (metrics)
  // Scheduling latency, sampled (readies while schedtick is a multiple of
  // kLatencySampleEvery, about one in that many): how long a
  // readied goroutine waited runnable before it ran, by power-of-two buckets of
  // nanoseconds. Written by the owner, read racily by metrics::read.
  Racy<std::uint64_t> latency_buckets[40] = {};
  Racy<std::uint64_t> latency_count = 0;
  Racy<std::uint64_t> latency_sum_ns = 0;
};

inline constexpr std::uint32_t kLatencySampleEvery = 64;

inline constexpr int kMaxProcs = 1024;

inline constexpr std::uint64_t kSyscallKeepsP = 1;
inline constexpr std::uint64_t kSyscallLostP = 2;
inline constexpr std::uint64_t kSyscallStateMask = 3;

struct Sched {
  Lock lock;                                      // guards the fields marked GOCXX_GUARDED_BY(lock)
  G* runq_head GOCXX_GUARDED_BY(lock) = nullptr;  // the global run queue
  G* runq_tail GOCXX_GUARDED_BY(lock) = nullptr;
  std::atomic<std::int64_t> runq_size{0};  // written under lock, read without
  P* pidle GOCXX_GUARDED_BY(lock) = nullptr;
  std::atomic<int> npidle{0};  // written under lock, read without
  M* midle GOCXX_GUARDED_BY(lock) = nullptr;
  int nmidle GOCXX_GUARDED_BY(lock) = 0;
  int mcount GOCXX_GUARDED_BY(lock) = 0;
  std::atomic<int> nmspinning{0};
  std::atomic<int> gomaxprocs{0};
  std::atomic<int> nallp{0};  // Ps ever created; allp[i] for i < nallp stay valid
  P* allp[kMaxProcs] = {};
  std::atomic<bool> migrate_every_switch{false};
  // The idle M sleeping until the earliest timer, and until when (0: none).
  std::atomic<M*> timer_sleeper{nullptr};
  std::atomic<std::int64_t> sleep_until{0};

  Lock gfree_lock;
  G* gfree GOCXX_GUARDED_BY(gfree_lock) = nullptr;
  int ngfree GOCXX_GUARDED_BY(gfree_lock) = 0;

  Lock allg_lock;
  G* allg GOCXX_GUARDED_BY(allg_lock) = nullptr;

  std::atomic<std::uint64_t> goid_gen{2};  // 1 is the first run()'s main
  std::atomic<std::int64_t> goroutines_no_p{0};
  std::atomic<std::uint64_t> created_no_p{0};  // goroutines started without a P
  std::atomic<int> spawn_policy{0};
  // Processors sysmon has asked to yield (a hint for maybe_preempt's fast path).
  // Read by every channel operation and spawn: on a line of its own, away from
  // counters that are written often (goid_gen).
  alignas(64) std::atomic<int> preempt_pending{0};
  std::atomic<bool> sysmon_sleeping{false};  // sysmon waits for the runtime to wake up
  // GOMAXPROCS came from $GOMAXPROCS or runtime::gomaxprocs(n): sysmon no longer
  // follows the CPU limit.
  std::atomic<bool> gomaxprocs_custom{false};
  // Ms whose threads exist (counted before the thread starts, until it ends), and
  // those of them waiting for work (stopm, the timer sleeper): the deadlock check
  // needs every M to be waiting.
  std::atomic<int> mlive{0};
  // Every OS thread the runtime has started (Ms and sysmon), never decreasing: the
  // threadcreate profile.
  std::atomic<std::int64_t> threads_created{0};
  std::atomic<int> nm_waiting{0};
};

// All scheduler state: constant-initialised, never destroyed (goroutines may still be
// running while static destructors run at exit).
extern Sched g_sched;
inline Sched& sched() noexcept {
  return g_sched;
}

}  // namespace gocxx::rt
