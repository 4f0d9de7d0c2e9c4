// What all sync.Pools share: the processor index of the fast path, and the periodic
// rotation that replaces Go's GC hook (docs/decisions.md D18).
//
// Go empties pools in two stages at each garbage collection: objects become victims,
// victims are dropped. C++ has no collector, so a timer does it: while any pool
// holds objects, every kRotatePeriod. An object nobody takes is destroyed after at
// most two periods; a busy pool loses nothing that is in use, and objects that
// became victims are still found by get() (then they are simply reused).
//
// Arming protocol (so that an idle pool is never left holding objects with no
// rotation coming): a put stores its object, then (full barrier) reads
// cleanup_armed and arms if clear. The rotation clears cleanup_armed, then (full
// barrier) rotates every pool and re-arms if any still holds something. Either the
// put sees the flag clear and arms, or the rotation sees the object.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <vector>

#include "gocxx/sync.hpp"
#include "gocxx/time.hpp"
#include "runtime/sched.hpp"
#include "sync/pool_internal.hpp"

namespace gocxx::detail {

namespace {

constexpr auto kRotatePeriod = std::chrono::seconds(2);

struct Registry {
  sync::Mutex mu;
  std::vector<PoolBase*> pools;
};

Registry& registry() {
  static auto* r = new Registry;  // never destroyed: rotations may run at exit
  return *r;
}

std::atomic<bool> g_cleanup_armed{false};
std::atomic<bool> g_rotation_paused{false};

void rotate_all();

void schedule_rotation() {
  time::after_func(kRotatePeriod, [] { rotate_all(); });
}

void rotate_all() {
  if (g_rotation_paused.load(std::memory_order_relaxed)) {
    schedule_rotation();  // still armed: try again next period
    return;
  }
  g_cleanup_armed.store(false, std::memory_order_seq_cst);
  bool holds = false;
  {
    Registry& r = registry();
    std::lock_guard<sync::Mutex> guard(r.mu);
    for (PoolBase* p : r.pools) holds = p->rotate() || holds;
  }
  if (!holds) return;
  bool expected = false;
  if (g_cleanup_armed.compare_exchange_strong(expected, true, std::memory_order_seq_cst)) {
    schedule_rotation();
  }
}

}  // namespace

int current_proc() noexcept {
  rt::M* m = rt::current_m();
  if (m == nullptr || m->p == nullptr) return -1;
  return m->p->id;
}

void rotate_pools_for_test() {
  Registry& r = registry();
  std::lock_guard<sync::Mutex> guard(r.mu);
  for (PoolBase* p : r.pools) p->rotate();
}

void pause_rotation_for_test(bool paused) {
  g_rotation_paused.store(paused, std::memory_order_relaxed);
}

int procs_ever() noexcept {
  return rt::sched().nallp.load(std::memory_order_acquire);
}

PoolBase::PoolBase() {
  Registry& r = registry();
  std::lock_guard<sync::Mutex> guard(r.mu);
  r.pools.push_back(this);
  registered_ = true;
}

PoolBase::~PoolBase() {
  unregister();
}

void PoolBase::unregister() noexcept {
  Registry& r = registry();
  std::lock_guard<sync::Mutex> guard(r.mu);
  if (!registered_) return;
  registered_ = false;
  r.pools.erase(std::find(r.pools.begin(), r.pools.end(), this));
}

std::atomic<bool>& PoolBase::cleanup_armed() noexcept {
  return g_cleanup_armed;
}

void PoolBase::arm_cleanup() {
  bool expected = false;
  if (g_cleanup_armed.compare_exchange_strong(expected, true, std::memory_order_seq_cst)) {
    schedule_rotation();
  }
}

}  // namespace gocxx::detail
