// The stall report, after Seastar's stall detector: a goroutine that runs past a
// threshold without reaching a scheduling point holds its processor, and every
// goroutine queued behind it waits. sysmon, which already watches each P's
// schedtick for preemption, notices it and reports it once, with the stack it
// is running: sysmon signals that goroutine's thread, whose handler records its
// own backtrace (the only way to read a running thread's stack), and sysmon
// prints it.
//
// The signal is SIGRTMAX - 1, a real-time signal nothing else in the process is
// expected to use (glibc's own real-time signals sit below SIGRTMIN); it is
// installed the first time a threshold is set.
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "clock.hpp"
#include "panic.hpp"
#include "sched.hpp"

namespace gocxx::rt {

std::atomic<std::int64_t> g_stall_threshold_ns{0};

namespace {

constexpr int kMaxDepth = 64;
constexpr std::int64_t kCaptureWaitNs = 100'000'000;  // how long sysmon waits for the handler

enum CaptureState : int { kIdle, kRequested, kDone };

// One capture at a time: only sysmon asks.
struct Capture {
  std::atomic<int> state{kIdle};
  std::atomic<int> tid{0};
  int depth = 0;
  void* pcs[kMaxDepth];
};
Capture g_capture;

int stall_signal() {
  return SIGRTMAX - 1;
}

void on_stall_signal(int, siginfo_t*, void*) {
  int saved_errno = errno;
  if (g_capture.state.load(std::memory_order_acquire) == kRequested &&
      g_capture.tid.load(std::memory_order_relaxed) == static_cast<int>(::syscall(SYS_gettid))) {
    g_capture.depth = signal_backtrace(g_capture.pcs, kMaxDepth);
    g_capture.state.store(kDone, std::memory_order_release);
  }
  errno = saved_errno;
}

void install_handler() {
  static std::once_flag once;
  std::call_once(once, [] { install_backtrace_handler(stall_signal(), on_stall_signal); });
}

// The stack of the goroutine running on the thread `tid`, or 0 frames when the
// handler did not answer in time.
int capture_stack(int tid, void** pcs) {
  g_capture.depth = 0;
  g_capture.tid.store(tid, std::memory_order_relaxed);
  g_capture.state.store(kRequested, std::memory_order_release);
  if (::syscall(SYS_tgkill, ::getpid(), tid, stall_signal()) != 0) {
    g_capture.state.store(kIdle, std::memory_order_relaxed);
    return 0;
  }
  std::int64_t deadline = nanotime() + kCaptureWaitNs;
  while (g_capture.state.load(std::memory_order_acquire) != kDone && nanotime() < deadline) {
    timespec ts{0, 100'000};
    nanosleep(&ts, nullptr);
  }
  int depth = 0;
  if (g_capture.state.load(std::memory_order_acquire) == kDone) {
    depth = g_capture.depth;
    std::memcpy(pcs, g_capture.pcs, sizeof(void*) * static_cast<std::size_t>(depth));
  }
  // A late handler finds no request (and answers none).
  g_capture.state.store(kIdle, std::memory_order_release);
  return depth;
}

// Go's Duration.String for whole milliseconds and above, microseconds below.
std::string format_ran(std::int64_t ns) {
  char buf[48];
  if (ns >= 1'000'000) {
    std::snprintf(buf, sizeof buf, "%lldms", static_cast<long long>(ns / 1'000'000));
  } else {
    std::snprintf(buf, sizeof buf, "%lldus", static_cast<long long>(ns / 1000));
  }
  return buf;
}

}  // namespace

void set_stall_threshold_from_env(const char* value) noexcept {
  // Go's duration syntax, one number and one unit: 100ms, 1.5s, 250us, 2000000ns.
  char* end = nullptr;
  double n = std::strtod(value, &end);
  if (end == value || n <= 0) return;
  double unit = 0;
  if (std::strcmp(end, "ns") == 0) unit = 1;
  if (std::strcmp(end, "us") == 0 || std::strcmp(end, "\xC2\xB5s") == 0) unit = 1e3;
  if (std::strcmp(end, "ms") == 0) unit = 1e6;
  if (std::strcmp(end, "s") == 0) unit = 1e9;
  if (unit == 0) return;
  install_handler();
  g_stall_threshold_ns.store(static_cast<std::int64_t>(n * unit), std::memory_order_relaxed);
}

void set_stall_threshold(std::int64_t ns) noexcept {
  if (ns > 0) install_handler();
  g_stall_threshold_ns.store(ns > 0 ? ns : 0, std::memory_order_relaxed);
}

void check_stall(P* p, std::uint64_t tick, std::int64_t since, std::int64_t now) {
  std::int64_t threshold = g_stall_threshold_ns.load(std::memory_order_relaxed);
  if (threshold <= 0 || now - since < threshold) return;
  M* m = std::atomic_ref<M*>(p->m).load(std::memory_order_acquire);
  if (m == nullptr) return;
  G* g = std::atomic_ref<G*>(m->curg).load(std::memory_order_acquire);
  // A P whose M is in the scheduler (spinning for work) runs no goroutine.
  if (g == nullptr || g->kind != G::Kind::goroutine ||
      g->status.load(std::memory_order_acquire) != GStatus::running) {
    return;
  }
  void* pcs[kMaxDepth];
  int depth = capture_stack(m->tid, pcs);
  // It reached a scheduling point meanwhile: the frames would be another's.
  if (p->schedtick != tick || std::atomic_ref<G*>(m->curg).load(std::memory_order_acquire) != g) {
    depth = 0;
  }
  std::string out = "gocxx: goroutine " + std::to_string(static_cast<std::uint64_t>(g->id)) +
                    " ran " + format_ran(nanotime() - since) + " without yielding\n\n";
  out += running_traceback(g, pcs, depth);
  if (depth == 0) out += "\t(its stack could not be read)\n";
  out += "\n";
  write_stderr(out);
}

}  // namespace gocxx::rt
