// Stack walks of switched-out goroutines (unwind.cpp). It returns how many return addresses
// it stored in pcs, innermost first.
#pragma once

#include <cstdint>

namespace gocxx::rt {

struct G;

// A goroutine that is switched out (parked, runnable, not running): from the
// registers its context switch saved. The first pc is in the runtime's switch.
int walk_parked(const G* g, void** pcs, int max);
// The same for any goroutine: 0 frames unless it is switched out, which it stays
// for the walk (pin_switched_out). Safe while it may be readied, run or exit.
int walk_pinned(G* g, void** pcs, int max);

}  // namespace gocxx::rt
