// The network poller (Go's runtime/netpoll.go and netpoll_epoll.go): one epoll
// instance, edge-triggered registrations, an eventfd to interrupt a blocked poll.
//
// How it meets the scheduler (sched.cpp, timer.cpp):
//  * A processor that runs out of local and global work polls without blocking
//    before it steals, unless an M is already blocked in the poller.
//  * When every M is idle, one of them (the idle sleeper, which also sleeps until
//    the earliest timer) blocks in epoll_pwait2 instead of on its futex, with the
//    earliest timer as timeout. Whoever needs it awake earlier (a P handed to it,
//    an earlier timer) writes the eventfd (netpoll_break).
//  * The goroutines a poll makes runnable are queued as one batch.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>

#include "netpoll.hpp"
#include "sanitizers.hpp"
#include "sched.hpp"

namespace gocxx::rt {

namespace {

int g_epfd = -1;
int g_eventfd = -1;
std::atomic<bool> g_inited{false};
std::atomic<int> g_waiters{0};   // goroutines and threads parked in poll_wait
std::atomic<int> g_blocked{0};   // Ms inside a blocking netpoll()
std::atomic<int> g_wake_sig{0};  // a break is pending (coalesces eventfd writes)
std::atomic<bool> g_no_pwait2{false};
std::atomic<std::int64_t> g_last_poll{0};
// A PollDesc reaches the thread that polls through the kernel (epoll_ctl, then
// epoll_wait), which orders memory but which ThreadSanitizer cannot see: every
// registration releases this counter and every poll acquires it.
std::atomic<std::uint64_t> g_registrations{0};
char g_break_marker;  // epoll data of the eventfd

Lock g_free_lock;
PollDesc* g_free GOCXX_GUARDED_BY(g_free_lock) = nullptr;

void netpoll_init() {
  static const bool ok = [] {
    g_epfd = epoll_create1(EPOLL_CLOEXEC);
    if (g_epfd < 0) {
      std::fprintf(stderr, "runtime: epoll_create1 failed with %d\n", errno);
      fatal("runtime: netpollinit failed");
    }
    g_eventfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (g_eventfd < 0) fatal("runtime: netpollinit failed to create the wake-up eventfd");
    epoll_event ev{};
    ev.events = EPOLLIN;  // level-triggered: stays readable until a blocking poll reads it
    ev.data.ptr = &g_break_marker;
    if (epoll_ctl(g_epfd, EPOLL_CTL_ADD, g_eventfd, &ev) != 0) {
      fatal("runtime: netpollinit failed to register the wake-up eventfd");
    }
    g_inited.store(true, std::memory_order_seq_cst);
    // An idle sleeper that went to sleep on its futex must now sleep in the poller.
    wake_idle_sleeper();
    return true;
  }();
  (void)ok;
}

PollDesc* alloc_pd() {
  {
    LockGuard guard(g_free_lock);
    if (PollDesc* pd = g_free) {
      g_free = pd->free_link;
      pd->free_link = nullptr;
      return pd;
    }
  }
  auto* pd = new PollDesc;  // never freed: see netpoll.hpp
  LockGuard guard(pd->mu);
  pd->rd.pd = pd;
  pd->wr.pd = pd;
  return pd;
}

// Unlike everything else on a PollDesc, the free-list link is touched only under
// the free-list lock.
void free_pd(PollDesc* pd) {
  LockGuard guard(g_free_lock);
  pd->free_link = g_free;
  g_free = pd;
}

G* take_waiter(PollSide& side) {
  G* g = side.waiter;
  side.waiter = nullptr;
  return g;
}

// A deadline timer fired: the side expires unless the deadline moved later (or
// went away) meanwhile.
void deadline_fired(Timer* /*t*/, void* arg, std::int64_t /*due*/) {
  auto* side = static_cast<PollSide*>(arg);
  PollDesc* pd = side->pd;
  G* g = nullptr;
  {
    LockGuard guard(pd->mu);
    if (!side->has_deadline || side->expired || side->deadline > nanotime()) return;
    side->expired = true;
    g = take_waiter(*side);
  }
  if (g != nullptr) ready(g);
}

PollSide& side_of(PollDesc* pd, PollMode mode) GOCXX_REQUIRES(pd->mu) {
  return mode == PollMode::read ? pd->rd : pd->wr;
}

void reset_side(PollSide& side) {
  side.waiter = nullptr;
  side.ready = false;
  side.expired = false;
  side.has_deadline = false;
  side.deadline = 0;
  if (side.timer != nullptr) timer_stop(side.timer);
}

struct WaitCommit {
  PollDesc* pd;
  bool plain_thread;
};

void commit_wait(G* /*parked*/, void* arg) GOCXX_NO_THREAD_SAFETY_ANALYSIS {
  auto* c = static_cast<WaitCommit*>(arg);
  // c lives on the parked stack: once the lock is released the waiter may be
  // readied and running again.
  bool plain_thread = c->plain_thread;
  c->pd->mu.unlock();
  // A parked goroutine's M polls once it runs out of work. A plain thread has no M
  // that will: if nobody sleeps in the poller, have an idle processor's M become
  // the sleeper.
  if (plain_thread && g_blocked.load(std::memory_order_seq_cst) == 0 &&
      sched().timer_sleeper.load(std::memory_order_seq_cst) == nullptr) {
    wakep();
  }
}

// epoll_pwait2 has a nanosecond timeout (Linux 5.11); before it, epoll_wait's
// milliseconds, rounded up so that timers are never run early.
int epoll_wait_ns(epoll_event* evs, int max, std::int64_t delay_ns) {
  if (delay_ns <= 0) return epoll_wait(g_epfd, evs, max, delay_ns < 0 ? -1 : 0);
  if (!g_no_pwait2.load(std::memory_order_relaxed)) {
#if defined(GOCXX_TSAN)
    // TSan does not intercept epoll_pwait2 (see kTsanMaxSleepNs).
    delay_ns = std::min<std::int64_t>(delay_ns, kTsanMaxSleepNs);
#endif
    timespec ts{static_cast<time_t>(delay_ns / 1'000'000'000),
                static_cast<long>(delay_ns % 1'000'000'000)};
    long n = syscall(SYS_epoll_pwait2, g_epfd, evs, max, &ts, nullptr, 0);
    if (n >= 0 || errno != ENOSYS) return static_cast<int>(n);
    g_no_pwait2.store(true, std::memory_order_relaxed);
  }
  std::int64_t ms = delay_ns / 1'000'000 + 1;
  return epoll_wait(g_epfd, evs, max, ms > INT_MAX ? INT_MAX : static_cast<int>(ms));
}

}  // namespace

bool netpoll_inited() noexcept {
  return g_inited.load(std::memory_order_acquire);
}

bool netpoll_waiting() noexcept {
  return g_waiters.load(std::memory_order_seq_cst) != 0;
}

std::int64_t netpoll_last_ns() noexcept {
  return g_last_poll.load(std::memory_order_relaxed);
}

bool netpoll_blocked() noexcept {
  return g_blocked.load(std::memory_order_seq_cst) != 0;
}

void netpoll_break() noexcept {
  if (!netpoll_inited()) return;
  if (g_wake_sig.exchange(1, std::memory_order_acq_rel) != 0) return;
  std::uint64_t one = 1;
  ssize_t r;
  do {
    r = ::write(g_eventfd, &one, sizeof one);
  } while (r < 0 && errno == EINTR);
  // EAGAIN: the counter is saturated, so a wake-up is pending anyway.
}

G* netpoll(std::int64_t delay_ns) {
  if (!netpoll_inited()) return nullptr;
  constexpr int kMaxEvents = 128;
  epoll_event evs[kMaxEvents];
  if (delay_ns != 0) g_blocked.fetch_add(1, std::memory_order_seq_cst);
  int n = epoll_wait_ns(evs, kMaxEvents, delay_ns);
  if (delay_ns != 0) g_blocked.fetch_sub(1, std::memory_order_seq_cst);
  g_last_poll.store(nanotime(), std::memory_order_relaxed);
  if (n > 0) (void)g_registrations.load(std::memory_order_acquire);
  if (n < 0) {
    if (errno != EINTR) {
      std::fprintf(stderr, "runtime: epoll_wait on fd %d failed with %d\n", g_epfd, errno);
      fatal("runtime: netpoll failed");
    }
    return nullptr;
  }
  G* head = nullptr;
  auto push = [&head](G* g) {
    if (g == nullptr) return;
    g->sched_link = head;
    head = g;
  };
  for (int i = 0; i < n; ++i) {
    const epoll_event& ev = evs[i];
    if (ev.data.ptr == &g_break_marker) {
      // Only a blocking poll consumes a break: it was meant for the M that sleeps
      // here, and a non-blocking poll by a spinning M must not swallow it.
      if (delay_ns != 0) {
        std::uint64_t v;
        while (::read(g_eventfd, &v, sizeof v) < 0 && errno == EINTR) {
        }
        g_wake_sig.store(0, std::memory_order_release);
      }
      continue;
    }
    auto* pd = static_cast<PollDesc*>(ev.data.ptr);
    bool readable = (ev.events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;
    bool writable = (ev.events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0;
    LockGuard guard(pd->mu);
    if (readable) {
      pd->rd.ready = true;
      push(take_waiter(pd->rd));
    }
    if (writable) {
      pd->wr.ready = true;
      push(take_waiter(pd->wr));
    }
  }
  return head;
}

PollDesc* poll_open(int fd, int* err) {
  netpoll_init();
  PollDesc* pd = alloc_pd();
  {
    LockGuard guard(pd->mu);
    pd->fd = fd;
    pd->closing = false;
    reset_side(pd->rd);
    reset_side(pd->wr);
  }
  g_registrations.fetch_add(1, std::memory_order_release);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = pd;
  if (epoll_ctl(g_epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
    *err = errno;
    {
      LockGuard guard(pd->mu);
      pd->fd = -1;
    }
    free_pd(pd);
    return nullptr;
  }
  *err = 0;
  return pd;
}

void poll_evict(PollDesc* pd) {
  G* r = nullptr;
  G* w = nullptr;
  {
    LockGuard guard(pd->mu);
    pd->closing = true;
    r = take_waiter(pd->rd);
    w = take_waiter(pd->wr);
  }
  if (r != nullptr) ready(r);
  if (w != nullptr) ready(w);
}

void poll_close(PollDesc* pd) {
  int fd;
  {
    LockGuard guard(pd->mu);
    if (!pd->closing) fatal("runtime: poll_close of a descriptor that was not evicted");
    if (pd->rd.waiter != nullptr || pd->wr.waiter != nullptr) {
      fatal("runtime: poll_close of a descriptor with waiters");
    }
    fd = pd->fd;
    pd->fd = -1;
    reset_side(pd->rd);
    reset_side(pd->wr);
  }
  epoll_event ev{};
  epoll_ctl(g_epfd, EPOLL_CTL_DEL, fd, &ev);  // fails only if fd is already gone
  free_pd(pd);
}

PollResult poll_check(PollDesc* pd, PollMode mode) {
  LockGuard guard(pd->mu);
  if (pd->closing) return PollResult::closed;
  PollSide& side = side_of(pd, mode);
  if (side.expired) return PollResult::timeout;
  return PollResult::ready;
}

// The lock is released by the park's commit and retaken after it: beyond the analysis.
PollResult poll_wait(PollDesc* pd, PollMode mode) GOCXX_NO_THREAD_SAFETY_ANALYSIS {
  G* self = current_g();
  pd->mu.lock();
  for (;;) {
    PollSide& side = side_of(pd, mode);
    PollResult result = PollResult::ready;
    if (pd->closing) {
      result = PollResult::closed;
    } else if (side.expired) {
      result = PollResult::timeout;
    } else if (side.ready) {
      side.ready = false;
    } else {
      if (side.waiter != nullptr) fatal("runtime: two waiters on one side of a descriptor");
      side.waiter = self;
      g_waiters.fetch_add(1, std::memory_order_seq_cst);
      WaitCommit commit{pd, self->kind == G::Kind::thread};
      park(commit_wait, &commit, "IO wait");
      g_waiters.fetch_sub(1, std::memory_order_relaxed);
      pd->mu.lock();
      continue;
    }
    pd->mu.unlock();
    return result;
  }
}

void poll_set_deadline(PollDesc* pd, PollMode mode, bool has_deadline, std::int64_t when) {
  G* g = nullptr;
  {
    LockGuard guard(pd->mu);
    PollSide& side = side_of(pd, mode);
    side.has_deadline = has_deadline;
    side.deadline = when;
    if (!has_deadline) {
      side.expired = false;
      if (side.timer != nullptr) timer_stop(side.timer);
    } else if (when <= nanotime()) {
      side.expired = true;
      g = take_waiter(side);
      if (side.timer != nullptr) timer_stop(side.timer);
    } else {
      side.expired = false;
      if (side.timer == nullptr) {
        side.timer = new Timer;  // reused with the PollDesc, never freed
        side.timer->fn = deadline_fired;
        side.timer->arg = &side;
        side.timer->internal = true;
      }
      timer_modify(side.timer, when, 0);
    }
  }
  if (g != nullptr) ready(g);
}

void inject_glist(G* list, P* p) {
  GBatch global;
  bool queued = false;
  while (list != nullptr) {
    G* g = list;
    list = g->sched_link;
    g->sched_link = nullptr;
    if (g->kind == G::Kind::thread) {
      ready(g);
      continue;
    }
    if (g->status.exchange(GStatus::runnable, std::memory_order_relaxed) != GStatus::waiting) {
      fatal("runtime: bad goroutine status in netpoll");
    }
    queued = true;
    if (p != nullptr) {
      runq_put(p, g, false);
    } else {
      global.push(g);
    }
  }
  global_put_batch(global);
  if (queued) wakep();
}

G* netpoll_take_one(G* list, P* p) {
  G* first = nullptr;
  G** link = &list;
  while (*link != nullptr) {
    G* g = *link;
    if (g->kind == G::Kind::goroutine) {
      *link = g->sched_link;
      g->sched_link = nullptr;
      if (g->status.exchange(GStatus::runnable, std::memory_order_relaxed) != GStatus::waiting) {
        fatal("runtime: bad goroutine status in netpoll");
      }
      first = g;
      break;
    }
    link = &g->sched_link;
  }
  inject_glist(list, p);
  return first;
}

}  // namespace gocxx::rt
