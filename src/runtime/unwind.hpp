// Stack walks of switched-out goroutines (unwind.cpp). It returns how many return addresses
// it stored in pcs, innermost first.
#pragma once

#include <cstdint>

namespace gocxx::rt {

struct G;

// A goroutine's frames from the registers its last context switch saved (the first
// pc is in the runtime's switch): 0 frames unless it is switched out (parked or
// runnable), which it stays for the walk (pin_switched_out). Safe while it may be
// readied, run or exit.
int walk_pinned(G* g, void** pcs, int max);

}  // namespace gocxx::rt
