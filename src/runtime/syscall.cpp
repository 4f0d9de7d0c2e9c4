// The two ways a goroutine holds on to its OS thread: blocking() (Go's
// entersyscall/exitsyscall: if the goroutine stays in the kernel, sysmon hands its
// processor to another thread, so GOMAXPROCS threads keep running goroutines)
// and lock_os_thread (the goroutine runs only on its thread, and the thread runs
// nothing else; Go's lockOSThread, startlockedm and stoplockedm).
#include "gocxx/errors.hpp"
#include "sched.hpp"

namespace gocxx::rt {

// ---------------------------------------------------------------------------
// blocking()
// ---------------------------------------------------------------------------

// Go's entersyscall (1.26's design: no processor state of its own; the goroutine's
// syscall_word is the only thing the returning goroutine and sysmon race on). The
// P stays with the goroutine, detached from the M so that nothing the call does
// through gocxx touches it; if the call lasts, sysmon takes it (retake_syscall).
// The cost of a call that returns at once is a few stores and one CAS.
bool enter_blocking() {
  M* m = current_m();  // one thread-local read: the G is m->curg
  if (m == nullptr) return false;
  G* self = m->curg;
  if (self->kind != G::Kind::goroutine) return false;
  P* p = m->p;
  if (p == nullptr) return false;
  std::uint64_t word = (++self->syscall_seq << 2) | kSyscallKeepsP;
  self->syscall_p = p;
  self->wait_reason = "syscall";
  self->status.store(GStatus::syscall, std::memory_order_relaxed);
  p->syscall_g = self;
  p->syscall_word = word;
  self->syscall_word.store(word, std::memory_order_release);
  m->p = nullptr;
  // sysmon may be asleep because every processor was idle a moment ago.
  if (sched().sysmon_sleeping.load(std::memory_order_relaxed)) [[unlikely]]
    wake_sysmon();
  return true;
}

namespace {

void after_exit_blocking(G* g, void* /*arg*/) {
  Sched& s = sched();
  g->status.store(GStatus::runnable, std::memory_order_relaxed);
  {
    LockGuard guard(s.lock);
    global_put_locked(s, g);
  }
  wakep();
}

}  // namespace

// Go's exitsyscall: take the P back unless sysmon took it; then any idle P; else
// queue and let this M sleep.
void exit_blocking() {
  Sched& s = sched();
  M* m = current_m();  // enter_blocking returned true: a goroutine on an M
  G* self = m->curg;
  std::uint64_t word = self->syscall_word.load(std::memory_order_relaxed);
  P* kept = self->syscall_p;
  self->syscall_p = nullptr;
  if ((word & kSyscallStateMask) == kSyscallKeepsP &&
      self->syscall_word.compare_exchange_strong(word, 0, std::memory_order_acquire,
                                                 std::memory_order_relaxed)) [[likely]] {
    self->status.store(GStatus::running, std::memory_order_relaxed);
    if (m->p == nullptr) {  // the fast path: the same M, the same P
      m->p = kept;
      return;
    }
    // The call parked and resumed on another M, which has a P: the one the call
    // started on is nobody's now.
    handoffp(kept);
    return;
  }
  self->syscall_word.store(0, std::memory_order_relaxed);
  if (m->p != nullptr) {  // the region parked and resumed on an M that has a P
    self->status.store(GStatus::running, std::memory_order_relaxed);
    return;
  }
  P* p = nullptr;
  {
    LockGuard guard(s.lock);
    p = pidle_get_locked(s);
  }
  if (p != nullptr) {
    acquire_p(m, p);
    self->status.store(GStatus::running, std::memory_order_relaxed);
    return;
  }
  // No processor free: queue ourselves and let this M sleep (its g0 loop stops it).
  // A locked goroutine is handed back to this very M by whoever dequeues it.
  switch_to(m, self, &m->g0, after_exit_blocking, nullptr);
}

// sysmon: the goroutine in blocking() on p has been there since sysmon's last look.
// Takes the P (the CAS fails if the call returned or a later one began) and hands
// it to another M. Returns whether it did.
bool retake_syscall(P* p) {
  G* g = p->syscall_g;
  std::uint64_t word = p->syscall_word;
  if (g == nullptr || (word & kSyscallStateMask) != kSyscallKeepsP) return false;
  if (!g->syscall_word.compare_exchange_strong(word, (word & ~kSyscallStateMask) | kSyscallLostP,
                                               std::memory_order_acq_rel,
                                               std::memory_order_relaxed)) {
    return false;
  }
  handoffp(p);
  return true;
}

// ---------------------------------------------------------------------------
// lock_os_thread
// ---------------------------------------------------------------------------

void lock_thread() {
  G* self = current_g();
  if (self->kind != G::Kind::goroutine) return;  // a plain thread is its own thread
  if (self->lock_count == UINT32_MAX) throw Panic("LockOSThread nesting overflow");
  M* m = current_m();
  if (self->lock_count++ == 0) {
    self->locked_m = m;
    m->locked_g = self;
  } else if (self->locked_m != m || m->locked_g != self) {
    fatal("runtime: locked goroutine running on another thread");
  }
}

// As Go's UnlockOSThread: more unlocks than locks are ignored.
void unlock_thread() {
  G* self = current_g();
  if (self->kind != G::Kind::goroutine || self->lock_count == 0) return;
  if (--self->lock_count == 0) {
    current_m()->locked_g = nullptr;
    self->locked_m = nullptr;
  }
}

// Hands g, locked to another M, and this M's P to that M, and wakes it (Go's
// startlockedm). The locked M sleeps in stoplockedm until this happens; this M
// goes on without a P.
void startlockedm(M* m, G* g) {
  M* lm = g->locked_m;
  if (lm == m) fatal("runtime: startlockedm: locked to me");
  P* p = m->p;
  m->p = nullptr;
  std::atomic_ref<M*>(p->m).store(lm, std::memory_order_relaxed);  // stall.cpp reads it
  lm->nextp = p;
  lm->park.store(MPark::handed_p, std::memory_order_release);
  lm->park.wake(1);
}

// The goroutine locked to m is not running: give m's P away and sleep until the
// goroutine is runnable again and someone hands m a P to run it on (Go's
// stoplockedm). Returns with m holding a P.
void stoplockedm(M* m) {
  if (P* p = m->p) {
    m->p = nullptr;
    handoffp(p);
  }
  stopm(m, false);
  if (m->p == nullptr) fatal("runtime: stoplockedm: woken without a P");
}

// A locked goroutine exited while locked: give the P away and let the thread end
// (m_main returns). Nothing refers to m any more: no G is locked to it, it is on
// no list, and its P is gone.
void drop_exiting_m(M* m) {
  if (P* p = m->p) {
    m->p = nullptr;
    handoffp(p);
  }
}

}  // namespace gocxx::rt
