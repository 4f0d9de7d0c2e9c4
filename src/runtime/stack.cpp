#include "stack.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "lock.hpp"
#include "sanitizers.hpp"

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102  // Linux 6.13; Debian 12's headers predate it
#endif

namespace gocxx::rt {
namespace {

constexpr std::size_t kArenaSlots = 64;
constexpr std::uint64_t kCanary = 0x9e3779b97f4a7c15ULL;
// mprotect guards cost two VMAs each; stop well before vm.max_map_count (65530).
constexpr std::uint64_t kMprotectGuardBudget = 24000;

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

struct Pool {
  Lock lock;
  std::vector<Stack> free;     // stacks of the current default size
  char* arena = nullptr;       // the arena being carved
  std::size_t arena_next = 0;  // next unused slot in it
  std::size_t slot_stack = 0;  // stack size of that arena's slots
  GuardMode guard_mode = GuardMode::unknown;
  std::atomic<std::size_t> default_size{0};
  std::atomic<std::uint64_t> arenas{0};
  std::atomic<std::uint64_t> created{0};
  std::atomic<std::uint64_t> mprotect_guards{0};
  std::atomic<std::uint64_t> unguarded{0};
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
bool install_guard(Pool& p, char* guard) noexcept {
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
Stack carve(Pool& p, std::size_t stack_size) noexcept {
  std::size_t slot = kStackGuardSize + stack_size;
  if (p.arena == nullptr || p.arena_next == kArenaSlots || p.slot_stack != stack_size) {
    void* mem = mmap(nullptr, slot * kArenaSlots, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED) out_of_memory(slot * kArenaSlots);
    // Huge pages would commit 2 MiB where a goroutine touches a page or two.
    madvise(mem, slot * kArenaSlots, MADV_NOHUGEPAGE);
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

}  // namespace

Stack stack_alloc(StackCache* cache) {
  if (cache != nullptr && cache->count > 0) {
    Stack s = cache->items[--cache->count];
    if (s.size() == stack_default_size()) return s;
    stack_free(nullptr, s);  // a stack of an earlier default size
  }
  Pool& p = pool();
  std::size_t want = p.default_size.load(std::memory_order_relaxed);
  LockGuard guard(p.lock);
  // Refill the cache with half its capacity so the next allocations stay lock-free.
  while (!p.free.empty()) {
    Stack s = p.free.back();
    p.free.pop_back();
    if (cache == nullptr || cache->count >= StackCache::kCapacity / 2 || p.free.empty()) {
      return s;
    }
    cache->items[cache->count++] = s;
  }
  return carve(p, want);
}

void stack_free(StackCache* cache, Stack s) noexcept {
  sanitizer_unpoison(s.lo, s.size());
  Pool& p = pool();
  if (s.size() != p.default_size.load(std::memory_order_relaxed)) {
    // The default changed since this stack was made: give it back to the kernel
    // (it stays reserved; its guard and address range are not reused).
    madvise(s.lo, s.size(), MADV_DONTNEED);
    return;
  }
  if (cache != nullptr && cache->count < StackCache::kCapacity) {
    cache->items[cache->count++] = s;
    return;
  }
  LockGuard guard(p.lock);
  p.free.push_back(s);
  if (cache != nullptr) {  // spill half, so alloc/free at the boundary do not thrash
    for (int i = 0; i < StackCache::kCapacity / 2; ++i)
      p.free.push_back(cache->items[--cache->count]);
  }
}

void stack_cache_flush(StackCache* cache) noexcept {
  Pool& p = pool();
  LockGuard guard(p.lock);
  while (cache->count > 0) p.free.push_back(cache->items[--cache->count]);
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
  for (Stack& s : p.free) madvise(s.lo, s.size(), MADV_DONTNEED);
  p.free.clear();
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

StackStats stack_stats() noexcept {
  Pool& p = pool();
  return {p.arenas.load(), p.created.load(), p.mprotect_guards.load(), p.unguarded.load()};
}

}  // namespace gocxx::rt
