// Global deadlock detection (Go's checkdead): the process ends with `fatal error:
// all goroutines are asleep - deadlock!` when every goroutine is parked in a wait
// that only another goroutine or thread could end, and nothing that could end one
// is left: no running or runnable goroutine, no timer, no socket waiter, no
// goroutine inside blocking(), no M doing anything but waiting for work, and no
// thread the runtime did not create that is alive outside a gocxx wait.
//
// Go checks when the last M goes idle. Here sysmon checks while every processor is
// idle (it wakes every 10 ms then anyway), every kCheckEveryNs, and reports only
// when two checks in a row find a deadlock and nothing happened between them: no
// goroutine ran (the processors' schedticks), no goroutine was created, no plain
// thread was woken. A single check reads several counters that are not updated
// together; the second one, with nothing having moved, rules out a snapshot taken
// in the middle of a hand-over. Every check errs on the side of "alive": a thread
// being created or ending, or an M between its work and its wait, counts as alive.
#include <dirent.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "panic.hpp"
#include "sched.hpp"

namespace gocxx::rt {
namespace {

constexpr std::int64_t kCheckEveryNs = 50'000'000;

// ThreadSanitizer runs a background thread of its own in every process.
#if defined(__SANITIZE_THREAD__)
constexpr int kSanitizerThreads = 1;
#else
constexpr int kSanitizerThreads = 0;
#endif

std::atomic<bool> g_enabled{true};
std::atomic<bool> g_env_read{false};
std::atomic<bool> g_main_goexited{false};
// Plain threads parked in a gocxx wait (the waker decrements), and how many
// wake-ups plain threads have had.
std::atomic<std::int64_t> g_threads_parked{0};
std::atomic<std::uint64_t> g_thread_wakes{0};

// The kernel thread ids of the threads the runtime created (Ms, sysmon), and
// their stacks.
struct RuntimeThread {
  pid_t tid;
  ThreadStack stack;
};
struct RuntimeThreads {
  Lock lock;
  std::vector<RuntimeThread> threads GOCXX_GUARDED_BY(lock);
};
RuntimeThreads& runtime_threads() {
  static auto* t = new RuntimeThreads;  // used until the very end: never destroyed
  return *t;
}

pid_t gettid_now() noexcept {
  return static_cast<pid_t>(::syscall(SYS_gettid));
}

// The process's threads that the runtime did not create, from /proc/self/task;
// -1 if it cannot be read (then nobody can tell: not a deadlock).
int foreign_threads() {
  DIR* dir = ::opendir("/proc/self/task");
  if (dir == nullptr) return -1;
  std::vector<pid_t> all;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    all.push_back(static_cast<pid_t>(std::atol(e->d_name)));
  }
  ::closedir(dir);
  RuntimeThreads& rt = runtime_threads();
  LockGuard guard(rt.lock);
  int foreign = 0;
  for (pid_t t : all) {
    bool ours = std::any_of(rt.threads.begin(), rt.threads.end(),
                            [t](const RuntimeThread& r) { return r.tid == t; });
    if (!ours) ++foreign;
  }
  return foreign - kSanitizerThreads;
}

// Something that may still run: a goroutine that is not parked in a wait only a
// goroutine or thread can end. Counts the goroutines that exist.
bool a_goroutine_may_wake(int* goroutines) {
  Sched& s = sched();
  LockGuard guard(s.allg_lock);
  *goroutines = 0;
  for (G* g = s.allg; g != nullptr; g = g->all_link) {
    if (g->kind != G::Kind::goroutine) continue;
    GStatus st = g->status.load(std::memory_order_acquire);
    if (st == GStatus::idle || st == GStatus::dead) continue;
    ++*goroutines;
    if (st != GStatus::waiting) return true;  // running, runnable, syscall
    const char* reason = g->wait_reason;
    // A sleeper has its timer (counted below too); a socket waiter, the poller.
    if (std::strcmp(reason, "sleep") == 0 || std::strcmp(reason, "IO wait") == 0) return true;
  }
  return false;
}

std::uint64_t activity_token() {
  Sched& s = sched();
  std::uint64_t t = g_thread_wakes.load(std::memory_order_acquire) * 0x9e3779b97f4a7c15ULL;
  t += s.goid_gen.load(std::memory_order_acquire);
  int n = s.nallp.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i) t += static_cast<std::uint64_t>(s.allp[i]->schedtick) << 20;
  return t;
}

enum class Verdict { alive, deadlock, no_goroutines };

// One check; only meaningful while every processor is idle.
Verdict check_once(std::uint64_t* token) {
  Sched& s = sched();
  *token = activity_token();
  // The runtime's own timers (the stack scavenger) wake no goroutine.
  if (next_timer_when() != 0 && any_user_timer_in_heaps()) return Verdict::alive;
  if (netpoll_waiting()) return Verdict::alive;
  // Every M is waiting for work (sysmon is not an M).
  if (s.mlive.load(std::memory_order_acquire) != s.nm_waiting.load(std::memory_order_acquire))
    return Verdict::alive;
  std::int64_t parked = g_threads_parked.load(std::memory_order_acquire);
  int foreign = foreign_threads();
  if (foreign < 0 || foreign > parked) return Verdict::alive;
  int goroutines = 0;
  if (a_goroutine_may_wake(&goroutines)) return Verdict::alive;
  if (g_threads_parked.load(std::memory_order_acquire) != parked) return Verdict::alive;
  if (s.npidle.load(std::memory_order_seq_cst) != s.gomaxprocs.load(std::memory_order_seq_cst))
    return Verdict::alive;
  if (activity_token() != *token) return Verdict::alive;
  if (goroutines == 0) {
    return g_main_goexited.load(std::memory_order_acquire) ? Verdict::no_goroutines
                                                           : Verdict::alive;
  }
  return Verdict::deadlock;
}

}  // namespace

void register_runtime_thread() noexcept {
  RuntimeThreads& rt = runtime_threads();
  pid_t tid = gettid_now();
  ThreadStack stack;
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void* lo = nullptr;
    std::size_t size = 0;
    if (pthread_attr_getstack(&attr, &lo, &size) == 0) {
      stack = {static_cast<char*>(lo), static_cast<char*>(lo) + size};
    }
    pthread_attr_destroy(&attr);
  }
  LockGuard guard(rt.lock);
  rt.threads.push_back({tid, stack});
}

void unregister_runtime_thread() noexcept {
  RuntimeThreads& rt = runtime_threads();
  pid_t tid = gettid_now();
  LockGuard guard(rt.lock);
  auto it = std::find_if(rt.threads.begin(), rt.threads.end(),
                         [tid](const RuntimeThread& t) { return t.tid == tid; });
  if (it != rt.threads.end()) rt.threads.erase(it);
}

std::vector<ThreadStack> runtime_thread_stacks() {
  RuntimeThreads& rt = runtime_threads();
  LockGuard guard(rt.lock);
  std::vector<ThreadStack> out;
  for (const RuntimeThread& t : rt.threads) out.push_back(t.stack);
  return out;
}

void note_thread_parked() noexcept {
  g_threads_parked.fetch_add(1, std::memory_order_acq_rel);
}

void note_thread_unparked() noexcept {
  g_thread_wakes.fetch_add(1, std::memory_order_acq_rel);
  g_threads_parked.fetch_sub(1, std::memory_order_acq_rel);
}

void note_main_goexit() noexcept {
  g_main_goexited.store(true, std::memory_order_release);
}

bool set_deadlock_detection(bool on) noexcept {
  read_deadlock_env();
  return g_enabled.exchange(on);
}

void read_deadlock_env() noexcept {
  if (g_env_read.exchange(true)) return;
  const char* env = std::getenv("GOCXX_DEADLOCK");
  if (env != nullptr && std::strcmp(env, "0") == 0) g_enabled.store(false);
}

void check_deadlock(std::int64_t now) {
  static std::int64_t last_check = 0;
  static std::uint64_t last_token = 0;
  static bool last_was_deadlock = false;
  if (!g_enabled.load(std::memory_order_relaxed)) return;
  if (now - last_check < kCheckEveryNs) return;
  last_check = now;
  std::uint64_t token = 0;
  Verdict v = check_once(&token);
  bool confirmed = v != Verdict::alive && last_was_deadlock && token == last_token;
  last_was_deadlock = v != Verdict::alive;
  last_token = token;
  if (!confirmed) return;
  if (v == Verdict::no_goroutines) fatal("no goroutines (main called runtime.Goexit) - deadlock!");
  fatal("all goroutines are asleep - deadlock!");
}

}  // namespace gocxx::rt
