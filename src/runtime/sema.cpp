#include "sema.hpp"

#include <atomic>
#include <cstring>
#include <thread>

#include "clock.hpp"
#include "lock.hpp"
#include "sched.hpp"

namespace gocxx::rt {
namespace {

struct SemaWaiter {
  G* g;
  std::uint32_t* addr;
  SemaWaiter* next;
  SemaWaiter* prev;
  bool acquired;
  std::int64_t waiting_since;  // for the mutex profile (0: not profiled)
};

bool mutex_profiled(const char* wait_reason) noexcept {
  return std::strcmp(wait_reason, "sync.Mutex.Lock") == 0 ||
         std::strcmp(wait_reason, "sync.RWMutex.Lock") == 0 ||
         std::strcmp(wait_reason, "sync.RWMutex.RLock") == 0;
}

struct alignas(64) SemaRoot {
  Lock lock;
  SemaWaiter* head GOCXX_GUARDED_BY(lock) = nullptr;
  SemaWaiter* tail GOCXX_GUARDED_BY(lock) = nullptr;
  std::atomic<std::uint32_t> nwait{0};
};

constexpr std::size_t kRoots = 251;
SemaRoot g_roots[kRoots];

SemaRoot& root_for(const std::uint32_t* addr) noexcept {
  return g_roots[(reinterpret_cast<std::uintptr_t>(addr) >> 3) % kRoots];
}

std::atomic_ref<std::uint32_t> word(std::uint32_t* addr) noexcept {
  return std::atomic_ref<std::uint32_t>(*addr);
}

bool can_acquire(std::uint32_t* addr) noexcept {
  auto w = word(addr);
  std::uint32_t v = w.load(std::memory_order_relaxed);
  while (v > 0) {
    if (w.compare_exchange_weak(v, v - 1, std::memory_order_acquire, std::memory_order_relaxed)) {
      return true;
    }
  }
  return false;
}

}  // namespace

void sema_acquire(std::uint32_t* addr, const char* wait_reason, bool lifo, bool durable) {
  if (can_acquire(addr)) return;
  SemaRoot& root = root_for(addr);
  G* self = current_g();
  SemaWaiter w{self, addr, nullptr, nullptr, false, 0};
  if (g_mutex_profile_fraction.load(std::memory_order_relaxed) != 0 && mutex_profiled(wait_reason))
      [[unlikely]] {
    w.waiting_since = nanotime();
  }
  for (;;) {
    root.lock.lock();
    root.nwait.fetch_add(1, std::memory_order_seq_cst);
    if (can_acquire(addr)) {
      root.nwait.fetch_sub(1, std::memory_order_relaxed);
      root.lock.unlock();
      return;
    }
    if (lifo && root.head != nullptr) {
      w.next = root.head;
      root.head->prev = &w;
      root.head = &w;
    } else {
      w.prev = root.tail;
      if (root.tail != nullptr) {
        root.tail->next = &w;
      } else {
        root.head = &w;
      }
      root.tail = &w;
    }
    if (durable && self->bubble != nullptr) self->durable_park = true;
    park_unlock(root.lock, wait_reason);
    if (w.acquired) return;
    w.next = w.prev = nullptr;
  }
}

Lock& sema_lock_for(const void* addr) noexcept {
  return g_roots[(reinterpret_cast<std::uintptr_t>(addr) >> 3) % kRoots].lock;
}

bool sync_can_spin(int iter) noexcept {
  constexpr int kActiveSpin = 4;  // Go's active_spin
  static const bool multicore = std::thread::hardware_concurrency() > 1;
  if (iter >= kActiveSpin || !multicore) return false;
  Sched& s = sched();
  if (s.gomaxprocs.load(std::memory_order_relaxed) <=
      s.npidle.load(std::memory_order_relaxed) + s.nmspinning.load(std::memory_order_relaxed) + 1) {
    return false;
  }
  M* m = current_m();
  if (m != nullptr && m->p != nullptr && !m->p->runq.empty()) return false;
  return true;
}

void sync_do_spin() noexcept {
  for (int i = 0; i < 30; ++i) cpu_relax();
}

void sema_release(std::uint32_t* addr) {
  word(addr).fetch_add(1, std::memory_order_release);
  SemaRoot& root = root_for(addr);
  if (root.nwait.load(std::memory_order_seq_cst) == 0) return;
  root.lock.lock();
  if (root.nwait.load(std::memory_order_relaxed) == 0) {
    root.lock.unlock();
    return;
  }
  SemaWaiter* w = root.head;
  while (w != nullptr && w->addr != addr) w = w->next;
  if (w == nullptr || !can_acquire(addr)) {
    root.lock.unlock();
    return;
  }
  // Hand the count to the longest waiter and unlink it.
  if (w->prev != nullptr) {
    w->prev->next = w->next;
  } else {
    root.head = w->next;
  }
  if (w->next != nullptr) {
    w->next->prev = w->prev;
  } else {
    root.tail = w->prev;
  }
  root.nwait.fetch_sub(1, std::memory_order_relaxed);
  w->acquired = true;
  G* g = w->g;
  std::int64_t since = w->waiting_since;
  root.lock.unlock();
  ready(g);
  if (since != 0) [[unlikely]]
    mutex_event(nanotime() - since);
}

}  // namespace gocxx::rt
