// Goroutine stacks: mmap'd from large arenas, each below a guard region, and recycled
// through per-processor caches so that a new goroutine usually gets a stack whose
// top pages are already touched (a first touch costs ~15 us on these VMs).
//
// Guards: Linux >= 6.13 installs them with madvise(MADV_GUARD_INSTALL), which does
// not split the arena's mapping, so a million stacks cost a few thousand VMAs. Older
// kernels get mprotect(PROT_NONE) guards (two VMAs per stack) up to a budget that
// stays clear of vm.max_map_count, then a canary word checked at every switch.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gocxx::rt {

struct Stack {
  char* lo = nullptr;  // lowest usable byte; the guard region lies just below
  char* hi = nullptr;  // one past the highest byte: where the stack pointer starts
  bool guarded = false;

  std::size_t size() const noexcept { return static_cast<std::size_t>(hi - lo); }
  explicit operator bool() const noexcept { return lo != nullptr; }
};

inline constexpr std::size_t kStackGuardSize = std::size_t{64} * 1024;

// A processor's private cache of free stacks (no locking: only its owner uses it).
struct StackCache {
  static constexpr int kCapacity = 32;
  Stack items[kCapacity];
  int count = 0;
};

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
};
StackStats stack_stats() noexcept;

}  // namespace gocxx::rt
