// Frame-pointer stack walks (unwind.cpp). Each returns how many return addresses
// it stored in pcs, innermost first.
#pragma once

#include <cstdint>

namespace gocxx::rt {

struct G;

// A goroutine that is switched out (parked, runnable, not running): from the
// registers its context switch saved. The first pc is in the runtime's switch.
int walk_parked(const G* g, void** pcs, int max);
// The caller's own stack, [lo, hi) bounding the walk (lo null: from here up).
int walk_here(void** pcs, int max, const void* lo, const void* hi);
// From a frame pointer (a signal handler's interrupted context), within [lo, hi).
int walk_from(std::uintptr_t fp, const void* lo, const void* hi, void** pcs, int max);

}  // namespace gocxx::rt
