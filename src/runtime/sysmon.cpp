// sysmon (Go's runtime/proc.go sysmon and retake): a thread of its own, with no
// P, that watches the processors.
//
// Every period (20 us, doubling after 50 periods with nothing to do up to 10 ms,
// and never past the next timer due on a busy processor) it:
//  1. takes the P of a goroutine that has been in blocking() since the previous
//     look and hands it to another thread (unless the P has nothing queued and
//     others are free to take new work, for up to 10 ms: a hand-off wakes a thread);
//  2. asks a goroutine that has run for 10 ms without going through the scheduler
//     to yield at its next runtime call, and, if its processor has goroutines
//     queued, wakes an idle processor to steal them. C++ code cannot be
//     interrupted safely, so a loop that never calls into gocxx keeps its thread
//     (docs/decisions.md, "cooperative preemption");
//  3. runs the timers of busy processors that are 1 ms overdue (a goroutine that
//     computes, or calls a plain blocking function, would otherwise delay every
//     timer on its heap);
//  4. polls the network if nobody has for 10 ms;
//  5. every second, follows a changed CPU limit (affinity mask, cgroup quota)
//     with GOMAXPROCS, unless the program set GOMAXPROCS itself, and ends the
//     threads that have been idle for 60 s.
// When every processor is idle it sleeps 10 ms at a time, and a goroutine entering
// blocking() wakes it.
#include <pthread.h>

#include <algorithm>
#include <climits>
#include <cstdio>

#include "futex.hpp"
#include "panic.hpp"
#include "sched.hpp"

namespace gocxx::rt {

namespace {

constexpr std::int64_t kMinDelayNs = 20'000;
constexpr std::int64_t kMaxDelayNs = 10'000'000;
constexpr int kIdleCyclesBeforeBackoff = 50;
constexpr std::int64_t kForcePreemptNs = 10'000'000;  // Go's forcePreemptNS
constexpr std::int64_t kSyscallKeepNs = 10'000'000;   // keep an idle P in a call this long
constexpr std::int64_t kPollEveryNs = 10'000'000;
// A busy processor's due timer is left to the processor itself for this long.
constexpr std::int64_t kTimerGraceNs = 1'000'000;
constexpr std::int64_t kProcsCheckNs = 1'000'000'000;  // re-read the CPU limit every second

std::atomic<std::uint32_t> g_wake_word{0};

// What sysmon saw of each P at its previous look.
struct Seen {
  std::uint64_t syscall_word = 0;
  std::int64_t syscall_since = 0;
  std::uint64_t schedtick = 0;
  std::int64_t tick_since = 0;  // reset at every preemption request
  std::int64_t run_since = 0;   // when schedtick last changed
  bool stall_reported = false;  // for this schedtick
};
Seen g_seen[kMaxProcs];

// when + kTimerGraceNs, saturating: a timer due "never" is INT64_MAX.
std::int64_t after_grace(std::int64_t when) {
  return when > INT64_MAX - kTimerGraceNs ? INT64_MAX : when + kTimerGraceNs;
}

// A processor whose goroutine keeps it has work queued: wake an idle processor,
// whose spinning M steals it (cheaper than moving it, and it keeps the order).
bool hand_queue_to_others(P* p) {
  if (p->runq.empty() && p->runnext.load(std::memory_order_relaxed) == nullptr) return false;
  wakep();
  return true;
}

// One look at every processor. Returns whether it did anything, and lowers
// *next_timer to the earliest timer due on a busy processor.
bool look(std::int64_t now, std::int64_t* next_timer) {
  Sched& s = sched();
  bool acted = false;
  // Every P ever made: one beyond GOMAXPROCS still runs until its M's next
  // scheduling point (where it retires), and its goroutine may be in a call.
  int n = s.nallp.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i) {
    P* p = s.allp[i];
    Seen& seen = g_seen[i];
    if (p->status.load(std::memory_order_relaxed) != PStatus::running) {
      seen.syscall_word = 0;
      continue;
    }
    // 1. A goroutine in blocking() since the previous look.
    G* g = p->syscall_g;
    std::uint64_t word = p->syscall_word;
    bool in_call = g != nullptr && (word & kSyscallStateMask) == kSyscallKeepsP &&
                   g->syscall_word.load(std::memory_order_acquire) == word;
    if (in_call) {
      seen.run_since = now;  // time inside blocking() is not a stall
      if (seen.syscall_word != word) {
        seen.syscall_word = word;
        seen.syscall_since = now;
      } else {
        bool queued = !p->runq.empty() || p->runnext.load(std::memory_order_relaxed) != nullptr ||
                      p->timers.min_when.load(std::memory_order_relaxed) != 0;
        bool others_free = s.nmspinning.load() + s.npidle.load() > 0;
        if ((queued || !others_free || now - seen.syscall_since >= kSyscallKeepNs) &&
            retake_syscall(p)) {
          seen.syscall_word = 0;
          acted = true;
          continue;
        }
      }
    } else {
      seen.syscall_word = 0;
      // 2. The same goroutine for 10 ms.
      std::uint64_t tick = p->schedtick;
      if (tick != seen.schedtick) {
        seen.schedtick = tick;
        seen.tick_since = now;
        seen.run_since = now;
        seen.stall_reported = false;
      } else if (!seen.stall_reported && g_stall_threshold_ns.load(std::memory_order_relaxed) > 0 &&
                 now - seen.run_since >= g_stall_threshold_ns.load(std::memory_order_relaxed)) {
        seen.stall_reported = true;
        check_stall(p, tick, seen.run_since, now);
      }
      if (tick == seen.schedtick && now - seen.tick_since >= kForcePreemptNs) {
        seen.tick_since = now;  // ask again in another 10 ms
        if (!p->preempt.exchange(true)) s.preempt_pending.fetch_add(1);
        hand_queue_to_others(p);
        acted = true;
      }
    }
    // 3. Timers of a busy processor.
    std::int64_t when = p->timers.min_when.load(std::memory_order_acquire);
    if (when != 0) {
      // Not counted as acting: a stuck processor's timers keep sysmon waking at
      // their own pace (the sleep is bounded by the next of them anyway).
      if (after_grace(when) <= now) {
        run_timers(&p->timers, now);
        when = p->timers.min_when.load(std::memory_order_acquire);
      }
      if (when != 0 && (*next_timer == 0 || after_grace(when) < *next_timer)) {
        *next_timer = after_grace(when);
      }
    }
  }
  // 4. The network.
  if (netpoll_waiting() && !netpoll_blocked() && now - netpoll_last_ns() >= kPollEveryNs) {
    if (G* list = netpoll(0)) {
      inject_glist(list, nullptr);
      acted = true;
    }
  }
  return acted;
}

// GOMAXPROCS follows the CPU limit (affinity, cgroup quota) while the program
// has not set it (Go 1.25's updateMaxProcsG).
void follow_cpu_limit() {
  Sched& s = sched();
  if (s.gomaxprocs_custom.load(std::memory_order_relaxed)) return;
  int n = cpu_default_gomaxprocs();
  if (n != s.gomaxprocs.load(std::memory_order_relaxed))
    set_gomaxprocs(n, /*only_if_default=*/true);
}

// Parked goroutines get the time they were first seen parked, within a second
// of their park (G::wait_since, for the park G::wait_since_gen counts).
void stamp_waiting(std::int64_t now) {
  Sched& s = sched();
  LockGuard guard(s.allg_lock);
  for (G* g = s.allg; g != nullptr; g = g->all_link) {
    if (g->status.load(std::memory_order_relaxed) != GStatus::waiting) continue;
    std::uint64_t gen = g->park_gen;
    if (g->wait_since_gen != gen) {
      g->wait_since = now;
      g->wait_since_gen = gen;
    }
  }
}

void every_second(std::int64_t& last) {
  std::int64_t now = nanotime();
  if (now - last < kProcsCheckNs) return;
  last = now;
  stamp_waiting(now);
  follow_cpu_limit();
  retire_idle_ms(nanotime_coarse());
}

void sleep_ns_on_word(std::int64_t ns) {
  timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  futex_wait(&g_wake_word, 0, &ts);
}

bool everything_idle() {
  Sched& s = sched();
  return s.npidle.load(std::memory_order_seq_cst) == s.gomaxprocs.load(std::memory_order_seq_cst);
}

void* sysmon_main(void* /*arg*/) {
  register_runtime_thread();
  Sched& s = sched();
  std::int64_t delay = kMinDelayNs;
  int idle_cycles = 0;
  std::int64_t last_procs_check = nanotime();
  for (;;) {
    if (everything_idle()) {
      // Nothing to watch: sleep for the longest period, or until a goroutine
      // enters blocking() (the one thing that needs sysmon at once). A processor
      // starting work is noticed at the next look; waking sysmon on every start
      // would cost a system call per wake-up.
      s.sysmon_sleeping.store(true, std::memory_order_seq_cst);
      while (everything_idle() && g_wake_word.load(std::memory_order_acquire) == 0) {
        sleep_ns_on_word(kMaxDelayNs);
        every_second(last_procs_check);
        maybe_schedtrace(nanotime());
        if (everything_idle()) check_deadlock(nanotime());
      }
      g_wake_word.store(0, std::memory_order_relaxed);
      s.sysmon_sleeping.store(false, std::memory_order_relaxed);
      if (sigquit_pending()) report_sigquit();
      delay = kMinDelayNs;
      idle_cycles = 0;
    }
    std::int64_t now = nanotime();
    every_second(last_procs_check);
    maybe_schedtrace(now);
    std::int64_t next_timer = 0;
    if (look(now, &next_timer)) {
      idle_cycles = 0;
      delay = kMinDelayNs;
    } else if (++idle_cycles > kIdleCyclesBeforeBackoff) {
      delay = std::min(delay * 2, kMaxDelayNs);
    }
    std::int64_t sleep = delay;
    if (next_timer != 0) sleep = std::clamp(next_timer - nanotime(), kMinDelayNs, delay);
    sleep_ns_on_word(sleep);
    g_wake_word.store(0, std::memory_order_relaxed);
    if (sigquit_pending()) report_sigquit();
  }
  return nullptr;
}

}  // namespace

void start_sysmon() {
  read_schedtrace_env();
  pthread_t t;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  sched().threads_created.fetch_add(1, std::memory_order_relaxed);
  int err = pthread_create(&t, &attr, sysmon_main, nullptr);
  pthread_attr_destroy(&attr);
  if (err != 0) {
    std::fprintf(stderr, "runtime: failed to create new OS thread (errno=%d)\n", err);
    fatal("newosproc");
  }
}

void wake_sysmon() noexcept {
  if (g_wake_word.exchange(1, std::memory_order_release) == 0) futex_wake(&g_wake_word, 1);
}

void clear_preempt(P* p) noexcept {
  if (p->preempt.exchange(false)) sched().preempt_pending.fetch_sub(1);
}

void preempt_slow() {
  M* m = current_m();
  if (m == nullptr || m->p == nullptr) return;
  if (m->curg->kind != G::Kind::goroutine) return;
  P* p = m->p;
  if (!p->preempt.load(std::memory_order_relaxed)) return;
  clear_preempt(p);
  gosched_impl();
}

}  // namespace gocxx::rt
