// GODEBUG=schedtrace=N[,scheddetail=1]: sysmon prints Go's scheduler summary
// line every N milliseconds, and with scheddetail a line per P and per goroutine.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "clock.hpp"
#include "panic.hpp"
#include "sched.hpp"

namespace gocxx::rt {
namespace {

std::int64_t g_trace_every_ns = 0;  // 0: off
bool g_detail = false;
std::int64_t g_start_ns = 0;
std::int64_t g_last_ns = 0;

// Go's numbering, as scheddetail prints it.
int go_status(GStatus s) {
  switch (s) {
    case GStatus::idle:
      return 0;
    case GStatus::runnable:
      return 1;
    case GStatus::running:
      return 2;
    case GStatus::syscall:
      return 3;
    case GStatus::waiting:
      return 4;
    case GStatus::dead:
      return 6;
  }
  return 0;
}

int go_status(PStatus s) {
  switch (s) {
    case PStatus::idle:
      return 0;
    case PStatus::running:
      return 1;
    case PStatus::dead:
      return 4;
  }
  return 0;
}

void print_trace(std::int64_t now) {
  Sched& s = sched();
  int procs = s.gomaxprocs.load(std::memory_order_relaxed);
  int idle_threads;
  {
    LockGuard guard(s.lock);
    idle_threads = s.nmidle;
  }
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "SCHED %lldms: gomaxprocs=%d idleprocs=%d threads=%d spinningthreads=%d "
                "needspinning=0 idlethreads=%d runqueue=%lld",
                static_cast<long long>((now - g_start_ns) / 1'000'000), procs,
                s.npidle.load(std::memory_order_relaxed),
                s.mlive.load(std::memory_order_relaxed) + 1,
                s.nmspinning.load(std::memory_order_relaxed), idle_threads,
                static_cast<long long>(s.runq_size.load(std::memory_order_relaxed)));
  std::string out = buf;
  if (!g_detail) {
    out += " [";
    for (int i = 0; i < procs; ++i) {
      if (i > 0) out += ' ';
      out += std::to_string(s.allp[i]->runq.size());
    }
    out += "]\n";
    write_stderr(out);
    return;
  }
  out += " gcwaiting=0 nmidlelocked=0 stopwait=0 sysmonwait=0\n";
  for (int i = 0; i < procs; ++i) {
    P* p = s.allp[i];
    M* m = std::atomic_ref<M*>(p->m).load(std::memory_order_acquire);
    std::size_t timers;
    {
      LockGuard guard(p->timers.mu);
      timers = p->timers.heap.size();
    }
    std::snprintf(buf, sizeof buf,
                  "  P%d: status=%d schedtick=%llu syscalltick=0 m=%s runqsize=%lld gfreecnt=%d "
                  "timerslen=%zu\n",
                  i, go_status(p->status.load(std::memory_order_relaxed)),
                  static_cast<unsigned long long>(p->schedtick),
                  m != nullptr ? std::to_string(m->id).c_str() : "nil",
                  static_cast<long long>(p->runq.size()), static_cast<int>(p->ngfree), timers);
    out += buf;
  }
  std::vector<G*> gs;
  {
    LockGuard guard(s.allg_lock);
    for (G* g = s.allg; g != nullptr; g = g->all_link) {
      if (g->kind == G::Kind::goroutine) gs.push_back(g);
    }
  }
  std::sort(gs.begin(), gs.end(), [](const G* a, const G* b) { return a->id < b->id; });
  for (G* g : gs) {
    GStatus st = g->status.load(std::memory_order_relaxed);
    if (st == GStatus::idle || st == GStatus::dead) continue;
    const char* reason = st == GStatus::waiting ? static_cast<const char*>(g->wait_reason) : "";
    M* locked = g->locked_m;
    std::snprintf(buf, sizeof buf, "  G%llu: status=%d(%s) m=nil lockedm=%s\n",
                  static_cast<unsigned long long>(g->id), go_status(st),
                  reason != nullptr ? reason : "",
                  locked != nullptr ? std::to_string(locked->id).c_str() : "nil");
    out += buf;
  }
  write_stderr(out);
}

}  // namespace

void read_schedtrace_env() {
  g_start_ns = nanotime();
  const char* v = std::getenv("GODEBUG");
  if (v == nullptr) return;
  std::string s = v;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    std::size_t comma = s.find(',', pos);
    if (comma == std::string::npos) comma = s.size();
    std::string item = s.substr(pos, comma - pos);
    if (item.rfind("schedtrace=", 0) == 0) {
      long ms = std::strtol(item.c_str() + 11, nullptr, 10);
      if (ms > 0) g_trace_every_ns = ms * 1'000'000LL;
    } else if (item == "scheddetail=1") {
      g_detail = true;
    } else if (item.rfind("stallreport=", 0) == 0) {
      set_stall_threshold_from_env(item.c_str() + 12);
    } else if (item == "tracebacklabels=0") {
      g_traceback_labels.store(false, std::memory_order_relaxed);
    }
    pos = comma + 1;
  }
  g_last_ns = g_start_ns;
}

std::int64_t schedtrace_period_ns() noexcept {
  return g_trace_every_ns;
}

void maybe_schedtrace(std::int64_t now) {
  if (g_trace_every_ns == 0 || now - g_last_ns < g_trace_every_ns) return;
  g_last_ns = now;
  print_trace(now);
}

}  // namespace gocxx::rt
