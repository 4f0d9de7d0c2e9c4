// Stack walking by frame pointers: the frames of a parked goroutine, from the
// registers its context switch saved. Every frame record is checked to
// lie inside the stack being walked and above the previous one, so a frame built
// without a frame pointer ends the walk early instead of faulting. Why frame
// pointers rather than DWARF unwinding: docs/decisions.md D34.
#include "unwind.hpp"

#include <cstdint>

#include "gmp.hpp"

namespace gocxx::rt {
namespace {

// Where the context switch leaves the frame pointer and the return address, in
// words from the saved stack pointer (context_switch_*.S).
#if defined(__x86_64__)
constexpr int kSavedFpSlot = 5;  // r15 r14 r13 r12 rbx rbp, then the return address
constexpr int kSavedPcSlot = 6;
#elif defined(__aarch64__)
constexpr int kSavedFpSlot = 18;  // d8-d15, x19-x28, then x29 (fp) and x30 (lr)
constexpr int kSavedPcSlot = 19;
#else
#error "unsupported architecture"
#endif

// Follows the chain of {previous frame pointer, return address} records from fp,
// within [lo, hi).
__attribute__((no_sanitize("address", "thread"))) int walk_chain(std::uintptr_t fp,
                                                                 std::uintptr_t lo,
                                                                 std::uintptr_t hi, void** pcs,
                                                                 int n, int max) {
  while (n < max) {
    if (fp < lo || fp + 2 * sizeof(void*) > hi || fp % sizeof(void*) != 0) break;
    auto* record = reinterpret_cast<const std::uintptr_t*>(fp);
    std::uintptr_t next = record[0];
    std::uintptr_t ret = record[1];
    if (ret == 0) break;
    pcs[n++] = reinterpret_cast<void*>(ret);
    if (next <= fp) break;  // the chain must go up the stack
    fp = next;
  }
  return n;
}

}  // namespace

__attribute__((no_sanitize("address", "thread"))) int walk_parked(const G* g, void** pcs, int max) {
  if (max <= 0 || !g->stack) return 0;
  auto lo = reinterpret_cast<std::uintptr_t>(g->stack.lo);
  auto hi = reinterpret_cast<std::uintptr_t>(g->stack.hi);
  auto sp = reinterpret_cast<std::uintptr_t>(
      std::atomic_ref<void*>(const_cast<G*>(g)->sp).load(std::memory_order_acquire));
  if (sp < lo || sp + (kSavedPcSlot + 1) * sizeof(void*) > hi) return 0;
  auto* saved = reinterpret_cast<const std::uintptr_t*>(sp);
  pcs[0] = reinterpret_cast<void*>(saved[kSavedPcSlot]);
  return walk_chain(saved[kSavedFpSlot], sp, hi, pcs, 1, max);
}

}  // namespace gocxx::rt
