// Every runtime function another file calls, grouped by the file that defines it
// (the types are in gmp.hpp). No runtime file declares another's functions itself.
//
//   sched.cpp    the scheduler core: Ms, finding work, switching, park/ready,
//                spawning and exiting goroutines, GOMAXPROCS
//   runq.cpp     run queues: runnext, the deque policy, the global queue, the
//                idle-P list, stealing (the hot paths are inline below)
//   galloc.cpp   G allocation: ids, free lists, the registry of every G
//   syscall.cpp  blocking() hand-off and lock_os_thread
//   timer.cpp    timers, and the scheduler's timer glue (the idle sleeper)
//   netpoll.cpp  the network poller
//   sysmon.cpp   sysmon: retaking processors, cooperative preemption, timers of
//                busy processors, the 10 ms network poll
//   api.cpp      the public runtime API
//   deadlock.cpp global deadlock detection (Go's checkdead)
#pragma once

#include <signal.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "clock.hpp"
#include "gmp.hpp"
#include "netpoll.hpp"

namespace gocxx::rt {

// ---------------------------------------------------------------------------
// sched.cpp
// ---------------------------------------------------------------------------

// Starts the runtime (GOMAXPROCS processors, crash handlers) on first use.
void ensure_started() noexcept;

// The running context: the goroutine (or g0) on an M, or the plain thread's stand-in.
// Never inlined and never cached across a blocking call: a goroutine may resume on
// another thread, and compilers keep thread-local addresses in registers.
G* current_g() noexcept;
M* current_m() noexcept;

// Parks the calling goroutine (or blocks the calling thread) until ready(). commit
// runs once the caller's context is saved (on another stack), typically to release
// the lock that guards the wait queue the caller put itself on. chan_wait is the
// goroutine's G::chan_wait for this park (0: not a wait on channels).
using ParkCommit = void (*)(G* parked, void* arg);
void park(ParkCommit commit, void* arg, const char* wait_reason, std::uint32_t chan_wait = 0);
// park() whose commit releases l, the lock guarding the wait queue the caller has
// just joined (the commonest commit); the thread-safety analysis sees l released.
void park_unlock(Lock& l, const char* wait_reason) GOCXX_RELEASE(l);
// Makes a parked goroutine runnable (it runs next on the caller's processor) or
// wakes a parked thread.
void ready(G* g);
// Readies a list linked through sched_link (used by close to wake every waiter).
void ready_list(G* head);

// Switches from the running context `from` to `to` on the current M; `after` runs
// on `to`'s side right after the switch. Returns when someone switches back.
void switch_to(M* m, G* from, G* to, AfterSwitchFn after, void* arg, bool from_dying = false);
// For readers of another goroutine's stack (tracebacks, profiles): if g is switched
// out (waiting or runnable), keeps it from being switched to, so its stack stays as
// it is and stays allocated, and returns true; unpin_switched_out ends that. Neither
// parks; the reader must not park in between either.
bool pin_switched_out(G* g) noexcept;
void unpin_switched_out(G* g) noexcept;

// m takes p (p was handed to it, or taken off the idle list).
void acquire_p(M* m, P* p) noexcept;
// Gives away a P whose M is about to block (a system call, a locked goroutine's
// wait, an exiting thread): to an M if there is work for it, else to the idle list.
void handoffp(P* p);
// Wakes an idle processor if no M is looking for work (Go's wakep). Inline: most
// calls find no idle processor and cost one relaxed load.
void wakep_slow();
inline void wakep() {
  if (sched().npidle.load(std::memory_order_relaxed) != 0) wakep_slow();
}
// Sleeps until someone hands this M a P. add_to_idle puts it on the idle-M list
// first (a locked M waits off the list, for its own goroutine). An M that sysmon
// retires (idle too long) returns with exit_thread set and no P; its thread ends.
void stopm(M* m, bool add_to_idle);
// How long an idle M waits for work before its thread ends (60 s; tests shorten it).
void set_idle_thread_keep_ns(std::int64_t ns) noexcept;
// sysmon, every second: Ms idle longer than that leave the idle list and end.
void retire_idle_ms(std::int64_t now);
// After park == handed_p: take the P whoever woke us handed over.
void take_handed_p(M* m);

// go(): a new G, its task storage, and starting it.
// creator_pc: the return address into the function that called go() (which is
// always inlined).
void start_g(G* g, const detail::TaskOps* ops, void* creator_pc);
void gosched_impl();
[[noreturn]] void goexit_impl();

// GOMAXPROCS: sets it (n > 0) and returns the previous value. only_if_default:
// unless the program has set it (sysmon following the CPU limit).
int set_gomaxprocs(int n, bool only_if_default = false);

// ---------------------------------------------------------------------------
// api.cpp
// ---------------------------------------------------------------------------

int num_cpu_impl() noexcept;
// $GOMAXPROCS (0 if unset or invalid).
int env_gomaxprocs() noexcept;
// $GOMAXPROCS, else cpu_default_gomaxprocs().
int default_gomaxprocs() noexcept;

// ---------------------------------------------------------------------------
// cgroup.cpp: GOMAXPROCS's default (Go 1.25)
// ---------------------------------------------------------------------------

// The CPU limit of the cgroups in proc_cgroup (the text of /proc/self/cgroup),
// mounted as mountinfo (/proc/self/mountinfo) says, reading the limit files under
// fs_root (empty: the real file system): the smallest quota/period over the
// cgroup and its ancestors, v1 or v2. None if there is no limit or nothing could
// be read.
std::optional<double> cgroup_cpu_limit(std::string_view proc_cgroup, std::string_view mountinfo,
                                       const std::string& fs_root);
// ncpu, lowered to the limit rounded up, but not below 2 when a limit applies.
int gomaxprocs_for(int ncpu, std::optional<double> limit) noexcept;
// gomaxprocs_for(the affinity mask's CPUs, this process's cgroup limit).
int cpu_default_gomaxprocs() noexcept;

// ---------------------------------------------------------------------------
// runq.cpp: the global queue and the idle-P list (sched().lock held where the
// name says _locked), stealing.
// ---------------------------------------------------------------------------

// Runnable Gs linked through sched_link in the order pushed, for the global queue.
struct GBatch {
  G* head = nullptr;
  G* tail = nullptr;
  std::int64_t n = 0;
  void push(G* g) noexcept {
    g->sched_link = nullptr;
    if (tail != nullptr) {
      tail->sched_link = g;
    } else {
      head = g;
    }
    tail = g;
    ++n;
  }
};
// Appends the batch to the global queue (takes the lock); false if it was empty.
bool global_put_batch(const GBatch& b) noexcept GOCXX_EXCLUDES(sched().lock);

void global_put_locked(Sched& s, G* g) noexcept GOCXX_REQUIRES(s.lock);
void global_put_batch_locked(Sched& s, G* head, G* tail, std::int64_t n) noexcept
    GOCXX_REQUIRES(s.lock);
// Takes up to max runnable goroutines from the global queue: returns one, queues
// the rest on p.
G* global_get_locked(Sched& s, P* p, M* m, std::int64_t max) noexcept GOCXX_REQUIRES(s.lock);
G* global_get(P* p, M* m, std::int64_t max) noexcept GOCXX_EXCLUDES(sched().lock);

void pidle_put_locked(Sched& s, P* p) noexcept GOCXX_REQUIRES(s.lock);
P* pidle_get_locked(Sched& s) noexcept GOCXX_REQUIRES(s.lock);

// The local deque is full: half of it and g go to the global queue.
void runq_put_slow(P* p, G* g) noexcept;
G* runq_take_head(P* p) noexcept;
// Stealing from other processors (and their timers); nullptr if nothing.
G* steal_work(M* m, P* p);
// After this M stopped spinning: an idle P to retry with if any queue has work.
P* recheck_after_spinning();

// Debugging and tests: the ids in the current processor's deque (head first) and
// its runnext slot (0 if empty). Returns false outside a processor.
bool debug_local_queue(std::uint64_t* ids, int max, int* count, std::uint64_t* runnext);

// The run queues' hot paths, inline: every spawn, wake-up and switch uses them.
inline constexpr std::int64_t kStarveTimeNs = 10'000'000;  // Go's scheduling quantum
inline constexpr std::uint64_t kStarveCheckTicks = 64;     // read the clock every 64th call
inline constexpr std::uint32_t kMaxRunnextStreak = 32;

inline bool global_empty(const Sched& s) noexcept {
  return s.runq_size.load(std::memory_order_relaxed) == 0;
}

// Queues g on p: in runnext (the previous runnext, if any, to the deque's tail)
// when next, else at the deque's tail.
inline void runq_put(P* p, G* g, bool next) noexcept {
  if (next) {
    // Only the owner ever stores a non-null runnext, so an empty slot stays empty
    // until we fill it: no read-modify-write needed then.
    if (p->runnext.load(std::memory_order_relaxed) == nullptr) {
      p->runnext.store(g, std::memory_order_release);
      return;
    }
    G* old = p->runnext.exchange(g, std::memory_order_acq_rel);
    if (old == nullptr) return;
    g = old;  // the previous runnext goes to the deque
  }
  if (!p->runq.push_tail(g)) runq_put_slow(p, g);
}

inline G* runq_take_runnext(P* p) noexcept {
  G* g = p->runnext.load(std::memory_order_relaxed);
  if (g != nullptr && p->runnext.compare_exchange_strong(g, nullptr, std::memory_order_acquire,
                                                         std::memory_order_relaxed)) {
    return g;
  }
  return nullptr;
}

// Whether the goroutine at the head of p's deque has waited there longer than
// kStarveTimeNs. Checked every kStarveCheckTicks decisions: it watches which G is
// at the head and since when, which costs a clock read per 64 switches instead of
// a timestamp per enqueue.
[[gnu::noinline]] inline bool head_is_starving_check(P* p) noexcept {
  G* h = p->runq.peek_head();
  if (h == nullptr) {
    p->starve_watch = nullptr;
    return false;
  }
  std::int64_t now = nanotime_coarse();
  if (h != p->starve_watch) {
    p->starve_watch = h;
    p->starve_since_ns = now;
    return false;
  }
  return now - p->starve_since_ns > kStarveTimeNs;
}
// The check itself out of line, so that runq_get's common path saves no registers.
inline bool head_is_starving(P* p) noexcept {
  if (++p->starve_checks % kStarveCheckTicks != 0) [[likely]]
    return false;
  return head_is_starving_check(p);
}

// Warms the caches for what this processor will run after the goroutine it just
// took: the G two places on, and the saved registers at the top of the next one's
// stack. A goroutine that has been parked a while is cold, and switching to it
// costs a TLB miss and cache misses on its stack (most of the time spent waking a
// crowd, such as every waiter of a cancelled context tree). The entries may be
// stolen meanwhile: the prefetch is then wasted, never wrong.
inline void prefetch_upcoming(const P* p) noexcept {
  if (G* after = p->runq.peek_tail(1)) __builtin_prefetch(after);
  if (G* next = p->runq.peek_tail(0)) {
    // Written by the context switch (assembly) of whichever M last ran it.
    if (void* sp = std::atomic_ref<void*>(next->sp).load(std::memory_order_relaxed)) {
      __builtin_prefetch(sp);
      __builtin_prefetch(static_cast<char*>(sp) + 64);
    }
  }
}

// The next G from p's own queues: a starving head first, then runnext (at most
// kMaxRunnextStreak times in a row), then the deque (its tail under child_first,
// its head under parent_first).
inline G* runq_get(P* p) noexcept {
  if (head_is_starving(p)) {
    p->starve_watch = nullptr;
    if (G* g = p->runq.pop_head()) return g;
  }
  if (p->runnext_streak < kMaxRunnextStreak) {
    if (G* g = runq_take_runnext(p)) {
      ++p->runnext_streak;
      return g;
    }
  }
  p->runnext_streak = 0;
  G* g = nullptr;
  if (sched().spawn_policy.load(std::memory_order_relaxed) == 0) {
    g = p->runq.pop_tail();
    if (g != nullptr) prefetch_upcoming(p);
  } else {
    g = runq_take_head(p);
  }
  if (g == nullptr) g = runq_take_runnext(p);
  return g;
}

// ---------------------------------------------------------------------------
// galloc.cpp
// ---------------------------------------------------------------------------

// A G for a new goroutine (from p's free list, the global one, or new), with an id
// and storage for its task of the given size and alignment.
G* new_g(std::size_t task_size, std::size_t task_align, void** storage);
// A G from new_g that never started (its task failed to construct).
void discard_g(G* g) noexcept;
// Frees a dead G (and its stack) to p's free lists (p may be null).
void free_g(G* g, P* p);
// Releases a G's task storage once the task is destroyed.
void release_task(G* g) noexcept;
std::int64_t count_goroutines() noexcept;
// Every goroutine that exists now but `except`, by id: a snapshot (they go on
// running; a G is never freed, so the pointers stay valid).
std::vector<G*> goroutines_by_id(const G* except);
// 1 for the first run()'s main goroutine, 0 afterwards.
std::uint64_t claim_main_goid();

// ---------------------------------------------------------------------------
// syscall.cpp
// ---------------------------------------------------------------------------

// blocking(): hands the P away (returns false where there is none to hand) and
// gets one back.
bool enter_blocking();
void exit_blocking();
// lock_os_thread / unlock_os_thread.
void lock_thread();
void unlock_thread();
// g0's side of lock_os_thread: hand a G locked to another M over (with m's P), wait
// with no P while m's own locked G is not runnable, let an exiting locked M go.
// sysmon: takes the P of the goroutine in blocking() on p, if that call is still
// the one p recorded, and hands it to another M. Returns whether it did.
bool retake_syscall(P* p);
void startlockedm(M* m, G* g);
void stoplockedm(M* m);
void drop_exiting_m(M* m);

// ---------------------------------------------------------------------------
// timer.cpp: the scheduler's timer glue
// ---------------------------------------------------------------------------

// The heap new timers go to: the current processor's, else processor 0's.
TimerHeap* local_timer_heap() noexcept;
// A timer due at `when` was armed: make sure some M will wake for it.
void timer_added(std::int64_t when) noexcept;
void run_timers_if_due(TimerHeap* h, std::int64_t now);
// The timer sleeper's wait (an idle M while timers are pending): until the earliest
// timer, or until handed a P. Returns true if it was handed a P.
bool timer_sleep(M* m);
// Wakes the idle sleeper, if any, to look at the timers and the poller again.
void wake_idle_sleeper() noexcept;

// ---------------------------------------------------------------------------
// netpoll.cpp: the network poller (types in netpoll.hpp)
// ---------------------------------------------------------------------------

// Registers fd (non-blocking) with the poller; nullptr and *err = errno on failure.
PollDesc* poll_open(int fd, int* err);
// The descriptor is being closed: its waiters wake with PollResult::closed, and so
// does every later wait.
void poll_evict(PollDesc* pd);
// After poll_evict, once no operation uses the descriptor any more: deregisters it
// and recycles pd. Does not close the descriptor.
void poll_close(PollDesc* pd);
// Before a system call: closed, timeout (the direction's deadline has passed), or
// ready (go ahead).
PollResult poll_check(PollDesc* pd, PollMode mode);
// After EAGAIN: parks the caller (status "IO wait") until the direction is reported
// ready, its deadline passes, or the descriptor is closed.
PollResult poll_wait(PollDesc* pd, PollMode mode);
// Sets (has_deadline) or removes a direction's deadline, in monotonic ns. A waiter
// already parked sees the new deadline.
void poll_set_deadline(PollDesc* pd, PollMode mode, bool has_deadline, std::int64_t when);

bool netpoll_inited() noexcept;
// Somebody waits on a descriptor.
bool netpoll_waiting() noexcept;
// An M is blocked in netpoll() (the others need not poll).
bool netpoll_blocked() noexcept;
// Polls: delay_ns < 0 blocks until an event or netpoll_break(), 0 returns at once.
// Returns the waiters it made ready (still in status waiting), linked through
// sched_link.
G* netpoll(std::int64_t delay_ns);
// Interrupts a blocking netpoll() (coalesced: one write until it is consumed).
void netpoll_break() noexcept;
// When netpoll() last ran (monotonic ns).
std::int64_t netpoll_last_ns() noexcept;
// Makes a list from netpoll() runnable: onto p's queue, or the global queue when p
// is null (plain threads are woken).
void inject_glist(G* list, P* p);
// The first goroutine of the list, made runnable for the caller to run; the rest
// injected as inject_glist does.
G* netpoll_take_one(G* list, P* p);

// ---------------------------------------------------------------------------
// sysmon.cpp
// ---------------------------------------------------------------------------

void start_sysmon();
// Wakes sysmon from its sleep (while every processor was idle, or early).
void wake_sysmon() noexcept;
// A goroutine that sysmon asked to yield (it ran 10 ms without passing through the
// scheduler) does so at its next runtime call: channel operations, select, go().
void preempt_slow();
inline void maybe_preempt() {
  if (sched().preempt_pending.load(std::memory_order_relaxed) != 0) [[unlikely]]
    preempt_slow();
}
// The processor switched goroutines: a pending request to yield is void.
void clear_preempt(P* p) noexcept;

// ---------------------------------------------------------------------------
// schedtrace.cpp: GODEBUG=schedtrace=N,scheddetail=1, printed by sysmon
// ---------------------------------------------------------------------------

void read_schedtrace_env();                    // before sysmon starts
std::int64_t schedtrace_period_ns() noexcept;  // 0: off
void maybe_schedtrace(std::int64_t now);       // sysmon: prints when a period has passed

// ---------------------------------------------------------------------------
// deadlock.cpp: Go's checkdead, run by sysmon while every processor is idle
// ---------------------------------------------------------------------------

// The threads the runtime creates (Ms, sysmon) say so when they start and end:
// every other thread of the process may still wake a goroutine unless it is
// parked in a gocxx wait.
void register_runtime_thread() noexcept;
void unregister_runtime_thread() noexcept;
// The stacks of the registered runtime threads (where only runtime code runs:
// the goroutine-leak profile does not read them).
struct ThreadStack {
  char* lo = nullptr;
  char* hi = nullptr;
};
std::vector<ThreadStack> runtime_thread_stacks();
// A plain thread parks in a gocxx wait (it calls this itself) or is woken (its
// waker calls this, before the thread can run).
void note_thread_parked() noexcept;
void note_thread_unparked() noexcept;
// run()'s main goroutine ended with runtime::goexit: run() never returns.
void note_main_goexit() noexcept;
bool set_deadlock_detection(bool on) noexcept;
// $GOCXX_DEADLOCK=0 turns detection off; read once, when the runtime starts.
void read_deadlock_env() noexcept;
// sysmon, while every processor is idle: ends the process if every goroutine is
// asleep and nothing may wake one (rate-limited by itself).
void check_deadlock(std::int64_t now);

// ---------------------------------------------------------------------------
// leak.cpp
// ---------------------------------------------------------------------------

// The goroutine-leak profile: goroutines parked on channels that nothing able to
// run can reach, by id. The calling stack below caller_frame (the public entry
// point's frame) is the profile's working memory and is not read as a root.
std::vector<G*> find_leaked_goroutines(const void* caller_frame);

// ---------------------------------------------------------------------------
// mprof.cpp: the block and mutex profiles' records
// ---------------------------------------------------------------------------

// Nanoseconds (block: a wait of at least this long is always recorded; 0 off) and
// 1/fraction (mutex: 0 off), as runtime::set_block_profile_rate and
// set_mutex_profile_fraction set them.
extern std::atomic<std::int64_t> g_block_profile_rate;
extern std::atomic<std::int64_t> g_mutex_profile_fraction;

// Whether the block profile records a wait with this reason.
bool block_profiled(const char* wait_reason) noexcept;
// The calling goroutine waited that long: recorded at its stack if sampled.
void block_event(std::int64_t waited_ns);
// The calling goroutine's unlock ended another's wait of delay_ns: recorded at the
// unlocker's stack, one in fraction.
void mutex_event(std::int64_t delay_ns);

struct ContentionRecord {
  std::vector<void*> stack;  // return addresses, innermost first
  std::int64_t count = 0;
  std::int64_t delay_ns = 0;
};
std::vector<ContentionRecord> contention_records(bool mutex);

// ---------------------------------------------------------------------------
// labels.cpp: pprof labels (Go's runtime/pprof Do), per goroutine
// ---------------------------------------------------------------------------

using LabelList = std::vector<std::pair<std::string, std::string>>;

// An immutable label set, shared by reference count between a goroutine and the
// goroutines it started. The last release frees it under the labels lock, which
// readers of another goroutine's labels hold, so they never see it freed.
struct LabelSet {
  std::atomic<std::int64_t> refs{1};
  LabelList list;  // sorted by key, keys unique
};

// Another reference (null-safe).
LabelSet* labels_retain(LabelSet* set) noexcept;
// Drops a reference (null-safe).
void labels_release(LabelSet* set) noexcept;
// g's labels become `set` (the caller's reference moves to g); returns the old
// ones with g's reference, for the caller to release or keep.
LabelSet* labels_exchange(G* g, LabelSet* set) noexcept;
// A copy of any G's labels, taken under the labels lock.
LabelList labels_of(const G* g);
// Go's `{"k":"v", "k2":"v2"}` (pprof's debug=1 `# labels:` line) and Go 1.27's
// traceback form `labels:{"k": "v"}`; empty for no labels.
std::string labels_profile_text(const LabelList& labels);
std::string labels_traceback_text(const LabelList& labels);
// GODEBUG=tracebacklabels=0 clears it (Go 1.27's opt-out): headers without labels.
extern std::atomic<bool> g_traceback_labels;

// ---------------------------------------------------------------------------
// cpuprof.cpp: the CPU profile's timers, SIGPROF handler and samples
// ---------------------------------------------------------------------------

// Every M registers its thread when it starts and before it ends, so that a
// profile arms a CPU-time timer on each.
void cpuprof_thread_start(const M* m) noexcept;
void cpuprof_thread_end(const M* m) noexcept;

// Inside a signal handler: the interrupted code's return addresses, innermost
// first (the interrupted pc + 1 first, so that every entry is looked up at
// pc - 1), without the handler's frames. Async-signal-safe in a handler that
// install_backtrace_handler installed (it loads libgcc's unwinder first).
int signal_backtrace(void** pcs, int max) noexcept;
// Installs handler for sig (SA_SIGINFO, SA_RESTART, on the alternate stack, every
// signal blocked while it runs), after loading the unwinder.
void install_backtrace_handler(int sig, void (*handler)(int, siginfo_t*, void*)) noexcept;

struct CpuSample {
  std::vector<void*> stack;  // innermost first, pc + 1 for the interrupted one
  LabelList labels;
  std::int64_t count = 0;
};
// Starts SIGPROF at hz on every M; false when a profile already runs.
bool cpuprof_start(int hz);
// Stops it and returns what it recorded (by stack and labels), and how many
// samples a full buffer dropped. Nothing when none runs.
std::vector<CpuSample> cpuprof_stop(std::int64_t* lost);

// ---------------------------------------------------------------------------
// stall.cpp: the stall report (debug::set_stall_threshold, GODEBUG=stallreport)
// ---------------------------------------------------------------------------

// 0: off (the default).
extern std::atomic<std::int64_t> g_stall_threshold_ns;
// Parses GODEBUG's value (Go's duration syntax: 100ms, 1.5s, 500us).
void set_stall_threshold_from_env(const char* value) noexcept;
void set_stall_threshold(std::int64_t ns) noexcept;
// sysmon: p's goroutine has run since `since` without a scheduling point
// (schedtick `tick`); reports it once per tick when past the threshold.
void check_stall(P* p, std::uint64_t tick, std::int64_t since, std::int64_t now);

// ---------------------------------------------------------------------------
// synctest.cpp: fake-time bubbles (Go's testing/synctest)
// ---------------------------------------------------------------------------

// The bubble whose work the caller does: the calling goroutine's, or the one
// whose timers the calling thread is running for it. Null outside every bubble.
Bubble* current_bubble() noexcept;
// The bubble's fake clock, or the monotonic clock for b == nullptr.
std::int64_t bubble_nanotime(const Bubble* b) noexcept;
// start_g: g, created by the caller, joins b.
void bubble_spawned(G* g, Bubble* b) noexcept;
// goexit0: g, of a bubble, is about to end.
void bubble_exiting(G* g) noexcept;
// after_park: g, of a bubble, is switched out; a durable park counts it as
// blocked (returns true) and as parking until bubble_park_committed(g's bubble),
// called after the park's commit, which returns the bubble's driver to ready if
// the bubble has become quiescent.
bool bubble_parked(G* g) noexcept;
G* bubble_park_committed(Bubble* b) noexcept;
// ready(): g was counted as durably blocked.
void bubble_readied(G* g) noexcept;
// Go's fatal error for a bubble's channel or timer used from outside it:
// `<op> synctest channel from outside bubble` (op: "send on", "close of"...).
[[noreturn]] void bubble_misuse(const char* op, const char* what) noexcept;
// Whether the caller may use something of bubble b (nullptr: anything may).
inline bool bubble_allows(const Bubble* b) noexcept {
  return b == nullptr || b == current_bubble();
}

// ---------------------------------------------------------------------------
// Random numbers (inline): wyrand, for steal order and select's poll order.
// ---------------------------------------------------------------------------

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

}  // namespace gocxx::rt
