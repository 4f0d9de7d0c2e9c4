// Goroutine stacks: mmap'd from large arenas, each below a guard region, and recycled
// through per-processor caches so that a new goroutine usually gets a stack whose
// top pages are already touched (a first touch costs ~15 us on these VMs).
//
// Guards: Linux >= 6.13 installs them with madvise(MADV_GUARD_INSTALL), which does
// not split the arena's mapping, so a million stacks cost a few thousand VMAs. Older
// kernels get mprotect(PROT_NONE) guards (two VMAs per stack) up to a budget that
// stays clear of vm.max_map_count, then a canary word checked at every switch.
// The guard is 64 KiB: larger than any frame that code compiled with
// -fstack-clash-protection allocates without probing (4 KiB on x86-64, 64 KiB
// minus the outgoing-argument area on AArch64), so even a huge frame faults in the
// guard instead of landing in the stack below.
//
// Scavenging: a stack keeps every page its goroutine touched. Stacks that sit
// unused in a cache or the pool for a whole scavenge period (1 s) give back all
// but their top page (MADV_DONTNEED), so the resident size follows the live
// goroutines after a burst of deep ones, instead of ratcheting up to the deepest
// use each pooled stack ever saw. "Unused for a period" is tracked with low-water
// marks: entries below the fewest a LIFO cache held since the last pass were not
// taken meanwhile. A runtime timer runs the pass while any stack is dirty; each
// processor's owner trims its own cache when it sees a new pass, and the pass
// trims the caches of idle processors itself (their caches belong to nobody while
// the scheduler lock is held and they sit on the idle list).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace gocxx::rt {

struct Stack {
  char* lo = nullptr;  // lowest usable byte; the guard region lies just below
  char* hi = nullptr;  // one past the highest byte: where the stack pointer starts
  bool guarded = false;
  bool dirty = false;  // ran since it was carved or scavenged: pages below the top may be resident

  std::size_t size() const noexcept { return static_cast<std::size_t>(hi - lo); }
  explicit operator bool() const noexcept { return lo != nullptr; }
};

inline constexpr std::size_t kStackGuardSize = std::size_t{64} * 1024;

// A processor's private cache of free stacks (no locking: only its owner uses it).
struct StackCache {
  static constexpr int kCapacity = 32;
  Stack items[kCapacity];
  int count = 0;
  int low_water = 0;        // fewest items since the last trim: those below sat unused
  std::uint32_t epoch = 0;  // the scavenge pass this cache last caught up with
  // Whether some item may be dirty: set by every free, recomputed by trims (written
  // by the owner, or by the pass for an unowned cache; read by the pass).
  std::atomic<bool> maybe_dirty{false};
};

// Bumped by every scavenge pass.
extern std::atomic<std::uint32_t> g_stack_scavenge_epoch;
// The owner's side: gives back the pages of items that sat unused since the last
// pass. Cheap when there has been no pass since.
void stack_cache_trim(StackCache* cache) noexcept;
inline void stack_cache_maybe_trim(StackCache* cache) noexcept {
  if (cache->epoch != g_stack_scavenge_epoch.load(std::memory_order_relaxed)) {
    stack_cache_trim(cache);
  }
}
// The pass's side, for a cache nobody owns (its P is idle or dead and the
// scheduler lock is held): moves the dirty items that sat unused since the last
// pass to out (at most max) and returns how many.
int stack_cache_take_idle(StackCache* cache, Stack* out, int max) noexcept;

Stack stack_alloc(StackCache* cache);
void stack_free(StackCache* cache, Stack s) noexcept;
// Moves every cached stack to the global pool (a processor going away).
void stack_cache_flush(StackCache* cache) noexcept;

std::size_t stack_default_size() noexcept;
void stack_set_default_size(std::size_t bytes) noexcept;

// For unguarded stacks: the canary at the bottom is intact.
bool stack_canary_ok(const Stack& s) noexcept;
// Whether addr falls in the guard region below s.
bool stack_guard_contains(const Stack& s, const void* addr) noexcept;

struct StackStats {
  std::uint64_t arenas;
  std::uint64_t stacks_created;
  std::uint64_t mprotect_guards;
  std::uint64_t unguarded;
  std::uint64_t scavenged;  // stacks whose pages were given back
  std::uint64_t scavenge_passes;
};
StackStats stack_stats() noexcept;

// The mappings goroutine stacks are carved from (the goroutine-leak profile reads
// goroutine stacks one by one, not these whole).
struct StackArena {
  char* base;
  std::size_t size;
};
std::vector<StackArena> stack_arenas();

}  // namespace gocxx::rt
