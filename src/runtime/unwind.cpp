// The frames of a parked goroutine, from the registers its context switch saved,
// unwound by the modules' DWARF call-frame information (the same tables exceptions
// unwind by), so no code needs frame pointers. Why not frame pointers:
// docs/decisions.md D34.
#include "unwind.hpp"

#include <atomic>
#include <cstdint>

#include "gmp.hpp"
#include "sched.hpp"
#include "symbolize.hpp"

namespace gocxx::rt {
namespace {

// How the context switch lays out what it saved, in words from the saved stack
// pointer (context_switch_*.S), and the DWARF numbers of those registers.
#if defined(__x86_64__)
// r15 r14 r13 r12 rbx rbp, then the resume address.
constexpr int kSavedRegisterDwarf[] = {15, 14, 13, 12, 3, 6};
constexpr int kFirstSavedRegisterSlot = 0;
constexpr int kSavedPcSlot = 6;
constexpr int kSavedWords = 7;
#elif defined(__aarch64__)
// d8-d15 (slots 0-7), x19-x28, x29 (fp), then x30 (the resume address).
constexpr int kSavedRegisterDwarf[] = {19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29};
constexpr int kFirstSavedRegisterSlot = 8;
constexpr int kSavedPcSlot = 19;
constexpr int kSavedWords = 22;  // 0xb0 bytes
#else
#error "unsupported architecture"
#endif

// From the registers the goroutine's last switch saved; only while it stays
// switched out (walk_pinned).
__attribute__((noinline, no_sanitize("address", "thread"))) int walk_parked(const G* g, void** pcs,
                                                                            int max) {
  // Atomic loads: no compiler moves them into an instrumented caller.
  auto lo = reinterpret_cast<std::uintptr_t>(__atomic_load_n(&g->stack.lo, __ATOMIC_RELAXED));
  auto hi = reinterpret_cast<std::uintptr_t>(__atomic_load_n(&g->stack.hi, __ATOMIC_RELAXED));
  if (max <= 0 || lo == 0) return 0;
  auto sp = reinterpret_cast<std::uintptr_t>(
      std::atomic_ref<void*>(const_cast<G*>(g)->sp).load(std::memory_order_acquire));
  if (sp < lo || sp % sizeof(void*) != 0 || sp + kSavedWords * sizeof(void*) > hi) return 0;
  auto* saved = reinterpret_cast<const std::uintptr_t*>(sp);
  SavedContext ctx;
  ctx.pc = saved[kSavedPcSlot];
  ctx.sp = sp + kSavedWords * sizeof(void*);
  for (int r : kSavedRegisterDwarf) {
    ctx.registers[ctx.nregisters] = {r, saved[kFirstSavedRegisterSlot + ctx.nregisters]};
    ++ctx.nregisters;
  }
  ctx.stack_lo = sp;
  ctx.stack_hi = hi;
  int n = unwind_saved_context(ctx, pcs, max);
  if (n >= 0) return n;
  pcs[0] = reinterpret_cast<void*>(ctx.pc);  // no unwinder in this build
  return 1;
}

}  // namespace

int walk_pinned(G* g, void** pcs, int max) {
  if (!pin_switched_out(g)) return 0;
  // Waiting or runnable means switched out (a goroutine is marked so only after its
  // switch saved its registers); one that never ran has no frames yet.
  int n = walk_parked(g, pcs, max);
  unpin_switched_out(g);
  return n;
}

}  // namespace gocxx::rt
