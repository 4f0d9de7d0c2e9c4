// Stack walks of switched-out goroutines (unwind.cpp). It returns how many return addresses
// it stored in pcs, innermost first.
#pragma once

#include <cstdint>

namespace gocxx::rt {

struct G;

// A goroutine that is switched out (parked, runnable, not running): from the
// registers its context switch saved. The first pc is in the runtime's switch.
int walk_parked(const G* g, void** pcs, int max);

}  // namespace gocxx::rt
