#include "stack.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <vector>

#include "futex.hpp"
#include "lock.hpp"
#include "sanitizers.hpp"
#include "sched.hpp"
#include "timer.hpp"

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102  // Linux 6.13; Debian 12's headers predate it
#endif

namespace gocxx::rt {
namespace {

constexpr std::size_t kArenaSlots = 64;
constexpr std::uint64_t kCanary = 0x9e3779b97f4a7c15ULL;
// mprotect guards cost two VMAs each; stop well before vm.max_map_count (65530).
constexpr std::uint64_t kMprotectGuardBudget = 24000;
// How long a stack sits unused before it gives its pages back (one to two periods),
// and how many the pass takes out of the pool per lock hold.
constexpr std::int64_t kScavengePeriodNs = 1'000'000'000;
constexpr int kScavengeBatch = 64;

std::size_t page_size() noexcept {
  static const std::size_t ps = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return ps;
}

std::size_t round_to_pages(std::size_t n) noexcept {
  std::size_t ps = page_size();
  return (n + ps - 1) / ps * ps;
}

std::size_t initial_default_size() noexcept {
  std::size_t size = 256 * 1024;
  if (const char* env = std::getenv("GOCXX_STACK_SIZE"); env != nullptr && *env != '\0') {
    char* end = nullptr;
    unsigned long long v = std::strtoull(env, &end, 10);
    if (end != nullptr && (*end == 'k' || *end == 'K')) v *= 1024;
    if (end != nullptr && (*end == 'm' || *end == 'M')) v *= 1024 * 1024;
    if (v > 0) size = static_cast<std::size_t>(v);
  }
  return size;
}

enum class GuardMode { unknown, madvise, mprotect };

// Stacks of the current default size not in use, outside the processors' caches.
struct Pool {
  Lock lock;
  std::deque<Stack> free GOCXX_GUARDED_BY(lock);          // dirty ones, LIFO at the back
  std::size_t free_low_water GOCXX_GUARDED_BY(lock) = 0;  // fewest in `free` since the last pass
  std::vector<Stack> clean GOCXX_GUARDED_BY(lock);        // scavenged ones (top page resident)
  std::vector<StackArena> all_arenas GOCXX_GUARDED_BY(lock);  // every arena mapped (never unmapped)
  char* arena GOCXX_GUARDED_BY(lock) = nullptr;               // the arena being carved
  std::size_t arena_next GOCXX_GUARDED_BY(lock) = 0;          // next unused slot in it
  std::size_t slot_stack GOCXX_GUARDED_BY(lock) = 0;          // stack size of that arena's slots
  GuardMode guard_mode GOCXX_GUARDED_BY(lock) = GuardMode::unknown;
  std::atomic<std::size_t> default_size{0};
  std::atomic<std::uint64_t> arenas{0};
  std::atomic<std::uint64_t> created{0};
  std::atomic<std::uint64_t> mprotect_guards{0};
  std::atomic<std::uint64_t> unguarded{0};
  std::atomic<std::uint64_t> scavenged{0};
  std::atomic<std::uint64_t> passes{0};
};

Pool& pool() noexcept {
  static Pool* p = [] {
    auto* np = new Pool;  // never destroyed: goroutines may outlive static destructors
    np->default_size.store(
        round_to_pages(std::max<std::size_t>(initial_default_size(), 16 * 1024)));
    return np;
  }();
  return *p;
}

[[noreturn]] void out_of_memory(std::size_t bytes) noexcept {
  std::fprintf(stderr, "fatal error: out of memory allocating a %zu-byte goroutine stack: %s\n",
               bytes, std::strerror(errno));
  std::fflush(stderr);
  _exit(2);
}

// Installs the guard below a fresh stack. Called with the pool lock held.
bool install_guard(Pool& p, char* guard) noexcept GOCXX_REQUIRES(p.lock) {
  if (p.guard_mode != GuardMode::mprotect) {
    if (madvise(guard, kStackGuardSize, MADV_GUARD_INSTALL) == 0) {
      p.guard_mode = GuardMode::madvise;
      return true;
    }
    p.guard_mode = GuardMode::mprotect;  // older kernel (EINVAL): fall back for good
  }
  if (p.mprotect_guards.load(std::memory_order_relaxed) < kMprotectGuardBudget &&
      mprotect(guard, kStackGuardSize, PROT_NONE) == 0) {
    p.mprotect_guards.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  p.unguarded.fetch_add(1, std::memory_order_relaxed);
  return false;
}

// Carves a new stack out of the current arena (mapping a new one when needed).
Stack carve(Pool& p, std::size_t stack_size) noexcept GOCXX_REQUIRES(p.lock) {
  std::size_t slot = kStackGuardSize + stack_size;
  if (p.arena == nullptr || p.arena_next == kArenaSlots || p.slot_stack != stack_size) {
    void* mem = mmap(nullptr, slot * kArenaSlots, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED) out_of_memory(slot * kArenaSlots);
    // Huge pages would commit 2 MiB where a goroutine touches a page or two.
    madvise(mem, slot * kArenaSlots, MADV_NOHUGEPAGE);
    p.all_arenas.push_back({static_cast<char*>(mem), slot * kArenaSlots});
    p.arena = static_cast<char*>(mem);
    p.arena_next = 0;
    p.slot_stack = stack_size;
    p.arenas.fetch_add(1, std::memory_order_relaxed);
  }
  char* base = p.arena + slot * p.arena_next++;
  Stack s;
  s.lo = base + kStackGuardSize;
  s.hi = s.lo + stack_size;
  s.guarded = install_guard(p, base);
  if (!s.guarded) std::memcpy(s.lo, &kCanary, sizeof kCanary);
  sanitizer_register_stack(s.lo, stack_size);
  p.created.fetch_add(1, std::memory_order_relaxed);
  return s;
}

// Takes the warmest free stack: the pool lock held.
bool pool_pop_locked(Pool& p, Stack* out) noexcept GOCXX_REQUIRES(p.lock) {
  if (!p.free.empty()) {
    *out = p.free.back();
    p.free.pop_back();
    p.free_low_water = std::min(p.free_low_water, p.free.size());
    return true;
  }
  if (!p.clean.empty()) {
    *out = p.clean.back();
    p.clean.pop_back();
    return true;
  }
  return false;
}

void pool_push_locked(Pool& p, const Stack& s) GOCXX_REQUIRES(p.lock) {
  if (s.dirty) {
    p.free.push_back(s);
  } else {
    p.clean.push_back(s);
  }
}

bool pool_empty_locked(const Pool& p) noexcept GOCXX_REQUIRES(p.lock) {
  return p.free.empty() && p.clean.empty();
}

// Cache operations, by the cache's owner: the spawn and exit fast path.
[[gnu::always_inline]] inline Stack cache_pop(StackCache* c) noexcept {
  Stack s = c->items[--c->count];
  if (c->count < c->low_water) c->low_water = c->count;
  return s;
}

[[gnu::always_inline]] inline void cache_push(StackCache* c, const Stack& s) noexcept {
  c->items[c->count++] = s;
  if (s.dirty) c->maybe_dirty.store(true, std::memory_order_relaxed);
}

bool any_dirty(const StackCache* c) noexcept {
  for (int i = 0; i < c->count; ++i) {
    if (c->items[i].dirty) return true;
  }
  return false;
}

// Gives back every page of s but the top one, where a new goroutine's first frames
// go (so reusing a scavenged stack usually costs no page fault).
void scavenge_pages(Pool& p, Stack& s) noexcept {
  std::size_t keep = page_size();
  if (s.size() > keep) madvise(s.lo, s.size() - keep, MADV_DONTNEED);
  if (!s.guarded) std::memcpy(s.lo, &kCanary, sizeof kCanary);  // zeroed with the rest
  s.dirty = false;
  p.scavenged.fetch_add(1, std::memory_order_relaxed);
}

// A stack of an earlier default size: given back to the kernel (it stays reserved;
// its guard and address range are not reused).
void drop_stack(Stack s) noexcept {
  madvise(s.lo, s.size(), MADV_DONTNEED);
}

// Scavenges stacks taken out of an unowned cache or the pool and puts them in the
// pool's clean list.
void scavenge_into_pool(Pool& p, Stack* batch, int n) {
  std::size_t want = p.default_size.load(std::memory_order_relaxed);
  for (int i = 0; i < n; ++i) {
    if (batch[i].size() == want) scavenge_pages(p, batch[i]);
  }
  LockGuard guard(p.lock);
  for (int i = 0; i < n; ++i) {
    if (batch[i].size() == p.default_size.load(std::memory_order_relaxed)) {
      p.clean.push_back(batch[i]);
    } else {
      drop_stack(batch[i]);
    }
  }
}

std::atomic<bool> g_scavenge_armed{false};

void scavenge_pass(Timer* t, void* arg, std::int64_t due);

Timer* scavenge_timer() {
  static Timer* t = [] {
    auto* nt = new Timer;  // never destroyed, like the pool
    nt->fn = scavenge_pass;
    nt->internal = true;
    return nt;
  }();
  return t;
}

void arm_scavenger() {
  bool expected = false;
  if (g_scavenge_armed.compare_exchange_strong(expected, true)) {
    timer_modify(scavenge_timer(), deadline_after(kScavengePeriodNs), 0);
  }
}

// A dirty stack was put away: make sure a pass comes. A free that races with a
// pass clearing the flag may miss it; the pass then re-arms itself if it saw any
// dirty stack, and the next free arms it otherwise.
inline void note_dirty_stack() {
  if (!g_scavenge_armed.load(std::memory_order_relaxed)) arm_scavenger();
}

// The scavenge pass, run by a runtime timer on some M's scheduler stack (with or
// without a P). Stacks that have sat unused since the previous pass give back
// their pages: the pool's (taken out in batches, so allocations are not held up
// behind system calls), the current P's (as its owner), idle Ps' (under the
// scheduler lock, which is what keeps an idle P unowned). Running Ps trim their
// own caches when they see the new epoch.
void scavenge_pass(Timer* /*t*/, void* /*arg*/, std::int64_t /*due*/) {
  g_scavenge_armed.store(false, std::memory_order_seq_cst);
  full_barrier();
  g_stack_scavenge_epoch.fetch_add(1, std::memory_order_relaxed);
  Pool& p = pool();
  p.passes.fetch_add(1, std::memory_order_relaxed);
  bool dirty_left = false;
  for (;;) {
    Stack batch[kScavengeBatch];
    int n = 0;
    {
      LockGuard guard(p.lock);
      while (n < kScavengeBatch && p.free_low_water > 0 && !p.free.empty()) {
        batch[n++] = p.free.front();
        p.free.pop_front();
        --p.free_low_water;
      }
      if (n == 0) {
        p.free_low_water = p.free.size();
        dirty_left = !p.free.empty();
        break;
      }
    }
    scavenge_into_pool(p, batch, n);
  }
  M* m = current_m();
  P* own = m != nullptr ? m->p : nullptr;
  if (own != nullptr) stack_cache_trim(&own->stacks);
  Sched& s = sched();
  int nall = s.nallp.load(std::memory_order_acquire);
  for (int i = 0; i < nall; ++i) {
    P* pp = s.allp[i];
    if (pp != own) {
      Stack taken[StackCache::kCapacity];
      int n = 0;
      {
        LockGuard guard(s.lock);
        PStatus st = pp->status.load(std::memory_order_relaxed);
        if (st == PStatus::idle || st == PStatus::dead) {
          n = stack_cache_take_idle(&pp->stacks, taken, StackCache::kCapacity);
        }
      }
      if (n > 0) scavenge_into_pool(p, taken, n);
    }
    dirty_left = dirty_left || pp->stacks.maybe_dirty.load(std::memory_order_relaxed);
  }
  if (dirty_left) arm_scavenger();
}

}  // namespace

std::atomic<std::uint32_t> g_stack_scavenge_epoch{0};

void stack_cache_trim(StackCache* cache) noexcept {
  cache->epoch = g_stack_scavenge_epoch.load(std::memory_order_relaxed);
  Pool& p = pool();
  std::size_t want = p.default_size.load(std::memory_order_relaxed);
  int idle = std::min(cache->low_water, cache->count);
  int trimmed = 0;
  for (int i = 0; i < idle; ++i) {
    Stack& s = cache->items[i];
    if (s.dirty && s.size() == want) {
      scavenge_pages(p, s);
      ++trimmed;
    }
  }
  if (trimmed > 0 || cache->maybe_dirty.load(std::memory_order_relaxed)) {
    cache->maybe_dirty.store(any_dirty(cache), std::memory_order_relaxed);
  }
  cache->low_water = cache->count;
}

int stack_cache_take_idle(StackCache* cache, Stack* out, int max) noexcept {
  int idle = std::min(cache->low_water, cache->count);
  int taken = 0;
  int kept = 0;
  for (int i = 0; i < cache->count; ++i) {
    const Stack& s = cache->items[i];
    if (i < idle && s.dirty && taken < max) {
      out[taken++] = s;
    } else {
      cache->items[kept++] = s;
    }
  }
  cache->count = kept;
  cache->low_water = kept;
  cache->epoch = g_stack_scavenge_epoch.load(std::memory_order_relaxed);
  cache->maybe_dirty.store(any_dirty(cache), std::memory_order_relaxed);
  return taken;
}

Stack stack_alloc(StackCache* cache) {
  if (cache != nullptr && cache->count > 0) {
    Stack s = cache_pop(cache);
    if (s.size() == stack_default_size()) return s;
    drop_stack(s);  // a stack of an earlier default size
  }
  Pool& p = pool();
  std::size_t want = p.default_size.load(std::memory_order_relaxed);
  LockGuard guard(p.lock);
  // Refill the cache with half its capacity so the next allocations stay lock-free.
  Stack s;
  while (pool_pop_locked(p, &s)) {
    if (cache == nullptr || cache->count >= StackCache::kCapacity / 2 || pool_empty_locked(p)) {
      return s;
    }
    cache_push(cache, s);
  }
  return carve(p, want);
}

void stack_free(StackCache* cache, Stack s) noexcept {
  sanitizer_unpoison(s.lo, s.size());
  s.dirty = true;
  Pool& p = pool();
  if (s.size() != p.default_size.load(std::memory_order_relaxed)) {
    drop_stack(s);
    return;
  }
  if (cache != nullptr) {
    stack_cache_maybe_trim(cache);
    if (cache->count < StackCache::kCapacity) {
      cache_push(cache, s);
      note_dirty_stack();
      return;
    }
  }
  {
    LockGuard guard(p.lock);
    p.free.push_back(s);
    if (cache != nullptr) {  // spill half, so alloc/free at the boundary do not thrash
      for (int i = 0; i < StackCache::kCapacity / 2; ++i) pool_push_locked(p, cache_pop(cache));
    }
  }
  note_dirty_stack();
}

void stack_cache_flush(StackCache* cache) noexcept {
  Pool& p = pool();
  {
    LockGuard guard(p.lock);
    while (cache->count > 0) pool_push_locked(p, cache_pop(cache));
  }
  note_dirty_stack();
}

std::size_t stack_default_size() noexcept {
  return pool().default_size.load(std::memory_order_relaxed);
}

void stack_set_default_size(std::size_t bytes) noexcept {
  Pool& p = pool();
  std::size_t size = round_to_pages(std::max<std::size_t>(bytes, 16 * 1024));
  LockGuard guard(p.lock);
  if (size == p.default_size.load(std::memory_order_relaxed)) return;
  p.default_size.store(size, std::memory_order_relaxed);
  for (const Stack& s : p.free) drop_stack(s);
  for (const Stack& s : p.clean) drop_stack(s);
  p.free.clear();
  p.clean.clear();
  p.free_low_water = 0;
}

bool stack_canary_ok(const Stack& s) noexcept {
  std::uint64_t v;
  std::memcpy(&v, s.lo, sizeof v);
  return v == kCanary;
}

bool stack_guard_contains(const Stack& s, const void* addr) noexcept {
  const char* a = static_cast<const char*>(addr);
  return s.lo != nullptr && a >= s.lo - kStackGuardSize && a < s.lo;
}

std::vector<StackArena> stack_arenas() {
  Pool& p = pool();
  LockGuard guard(p.lock);
  return p.all_arenas;
}

StackStats stack_stats() noexcept {
  Pool& p = pool();
  return {p.arenas.load(),    p.created.load(),   p.mprotect_guards.load(),
          p.unguarded.load(), p.scavenged.load(), p.passes.load()};
}

}  // namespace gocxx::rt
