// G allocation: goroutine ids (handed out in per-P batches), the free lists of Gs
// (per P, then global), the registry of every G ever made (for tracebacks), and the
// goroutine count. A G is never freed to the heap: tracebacks walk the registry.
#include <algorithm>
#include <new>

#include "sched.hpp"

namespace gocxx::rt {

namespace {

constexpr int kGoidBatch = 16;
constexpr int kMaxLocalFreeG = 64;

std::uint64_t next_goid(P* p) {
  Sched& s = sched();
  if (p == nullptr) return s.goid_gen.fetch_add(1);
  if (p->goid_next == p->goid_end) {
    p->goid_next = s.goid_gen.fetch_add(kGoidBatch);
    p->goid_end = p->goid_next + kGoidBatch;
  }
  return p->goid_next++;
}

G* alloc_g(P* p) {
  Sched& s = sched();
  if (p != nullptr && p->gfree != nullptr) {
    G* g = p->gfree;
    p->gfree = g->sched_link;
    p->ngfree = p->ngfree - 1;
    return g;
  }
  {
    LockGuard guard(s.gfree_lock);
    if (s.gfree != nullptr) {
      G* g = s.gfree;
      s.gfree = g->sched_link;
      --s.ngfree;
      return g;
    }
  }
  auto* g = new G;
  LockGuard guard(s.allg_lock);
  g->all_link = s.allg;
  s.allg = g;
  return g;
}

}  // namespace

void release_task(G* g) noexcept {
  if (g->task_heap != nullptr) {
    ::operator delete (g->task_heap, std::align_val_t{alignof(std::max_align_t)});
    g->task_heap = nullptr;
  }
  g->task = nullptr;
  g->task_ops = nullptr;
}

void free_g(G* g, P* p) {
  Sched& s = sched();
  if (g->status.exchange(GStatus::idle, std::memory_order_relaxed) == GStatus::idle) {
    fatal("runtime: goroutine freed twice");
  }
  // Atomic because another processor may still be prefetching through a stale
  // run-queue entry (prefetch_upcoming).
  std::atomic_ref<void*>(g->sp).store(nullptr, std::memory_order_relaxed);
  g->locked_m = nullptr;
  g->lock_count = 0;
  g->avoid_m = nullptr;
  g->eh = {};
  sanitizer_destroy(g->san);
  if (g->stack) {
    stack_free(p != nullptr ? &p->stacks : nullptr, g->stack);
    g->stack = {};
  }
  if (p != nullptr && p->ngfree < kMaxLocalFreeG) {
    g->sched_link = p->gfree;
    p->gfree = g;
    p->ngfree = p->ngfree + 1;
    return;
  }
  LockGuard guard(s.gfree_lock);
  g->sched_link = s.gfree;
  s.gfree = g;
  ++s.ngfree;
}

G* new_g(std::size_t task_size, std::size_t task_align, void** storage) {
  ensure_started();
  M* m = current_m();
  P* p = m != nullptr ? m->p : nullptr;
  G* g = alloc_g(p);
  g->id = next_goid(p);  // kind: a G in allg is a goroutine for life (readers need no lock)
  g->wait_reason = "";
  if (task_size <= kInlineTaskSize && task_align <= 16) {
    g->task = g->task_inline;
  } else {
    g->task_heap = ::operator new (
        task_size, std::align_val_t{std::max(task_align, alignof(std::max_align_t))});
    g->task = g->task_heap;
  }
  *storage = g->task;
  return g;
}

void discard_g(G* g) noexcept {
  release_task(g);
  M* m = current_m();
  free_g(g, m != nullptr ? m->p : nullptr);
}

std::vector<G*> goroutines_by_id(const G* except) {
  Sched& s = sched();
  std::vector<G*> out;
  {
    LockGuard guard(s.allg_lock);
    for (G* g = s.allg; g != nullptr; g = g->all_link) {
      GStatus st = g->status.load(std::memory_order_acquire);
      if (g != except && st != GStatus::idle && st != GStatus::dead) out.push_back(g);
    }
  }
  std::sort(out.begin(), out.end(), [](const G* a, const G* b) { return a->id < b->id; });
  return out;
}

std::int64_t count_goroutines() noexcept {
  Sched& s = sched();
  std::int64_t n = s.goroutines_no_p.load(std::memory_order_relaxed);
  int nall = s.nallp.load(std::memory_order_acquire);
  for (int i = 0; i < nall; ++i) n += s.allp[i]->goroutines.load(std::memory_order_relaxed);
  return n;
}

std::uint64_t claim_main_goid() {
  static std::atomic<bool> claimed{false};
  if (!claimed.exchange(true)) return 1;
  return 0;
}

}  // namespace gocxx::rt
