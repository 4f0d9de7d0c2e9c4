// The goroutine-leak profile (Go 1.26's goroutineleak): goroutines parked on
// channels that nothing able to run can reach, so that they can never be woken.
//
// Go finds them with a garbage-collection cycle in which the stack of a goroutine
// blocked on a channel is a root only once something reachable refers to that
// channel. gocxx has no collector and C++ memory carries no types, so it answers
// the same question from three facts:
//
//  1. Where the handles are. A channel handle is two words, the core pointer and
//     core + its own address + kHandleCheck, and a destroyed handle clears its
//     pointer, so reading a goroutine's stack and task finds exactly the live
//     handles in them (a spilled register beside a copy of the pointer does not
//     pass for one: decisions D40). A channel
//     whose reference count equals the handles found in the memory of candidates
//     (goroutines parked on channels and not yet shown reachable) has no other
//     holder: no handle on the heap, in a global, on a thread or in a goroutine
//     that can run, and no timer that will send to it (a timer in a heap holds a
//     reference).
//  2. What each parked goroutine waits on: its wait records, read while it is
//     pinned (pin_switched_out).
//  3. Whether anything that may run points into a candidate's memory (a lambda
//     that captured a local by reference, a pointer kept on the heap). Every word
//     of the process's writable memory outside the candidates is read: the heap,
//     globals, threads' stacks, the live part of the other goroutines' stacks. A
//     value that lies inside a candidate's live stack makes that candidate
//     reachable (not one inside its go task: the goroutine that started it keeps
//     that address from go(), and nothing else has a use for it). This errs one way only: an
//     integer or a stale copy that happens to look like such an address hides a leak; nothing makes
//     a goroutine that can be woken look leaked.
//
// Then the fixed point: a candidate can be woken if a channel it waits on has a
// holder outside the candidates whose memory is unreachable; the memory of one
// that can be woken, or that something reachable points into, is reachable, and
// its handles and pointers count from then on. Those that can never be woken are
// leaked. Goroutines parked on anything else (a Mutex, a WaitGroup, a Cond, I/O,
// sleep) are never candidates and count as able to run; handles kept on the heap
// (in a container, a shared_ptr) keep their channel live.
//
// Goroutines keep running meanwhile. A candidate's park count is read when it is
// first pinned, again when its memory is read and once more at the end: one that
// moved is live. A pointer that a running goroutine moves from memory not yet read
// into memory already read could still be missed, so the analysis runs twice and
// only goroutines leaked in both runs are reported.
//
// The analysis keeps its own copies of candidate addresses with the top 16 bits
// flipped (never a user-space address), so that its bookkeeping on the heap does
// not make candidates reachable.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "chan_internal.hpp"
#include "gmp.hpp"
#include "sched.hpp"
#include "stack.hpp"

namespace gocxx::rt {
namespace {

using detail::ChanCore;
using Word = std::uintptr_t;

constexpr Word kMask = Word{0xffff} << 48;
// Mappings larger than this are sanitizer shadow or reservations, not data a
// program keeps pointers in; reading them would take minutes.
constexpr std::size_t kMaxScannedMapping = std::size_t{64} << 30;
constexpr std::size_t kResidencyCheckAbove = std::size_t{64} << 20;
constexpr std::size_t kReadChunk = std::size_t{1} << 20;

Word masked(const void* p) noexcept {
  return reinterpret_cast<Word>(p) ^ kMask;
}

// An address range as the analysis keeps it: both ends masked (kMask), which
// keeps their order.
struct Span {
  Word lo = 0;
  Word hi = 0;
};
Span masked_span(Word lo, Word hi) noexcept {
  return {lo ^ kMask, hi ^ kMask};
}

struct Candidate {
  G* g = nullptr;
  std::uint64_t gen = 0;
  bool forever = false;  // a nil channel or select{}: waits on nothing
  Span stack;            // the live part above its wait records (or sp), to hi
  Span task;
  Span sudogs;
  std::vector<ChanCore*> waits;
  std::vector<std::pair<ChanCore*, int>> handles;  // live handles in its memory
  std::vector<int> points_to;                      // candidates its memory points into
  bool root = false;                               // its memory is reachable (solve)
  bool wake = false;                               // it can be woken
};

// Which candidate's memory a word points into: the spans, sorted.
class SpanIndex {
 public:
  void add(Span s, int owner) {
    if (s.hi > s.lo) entries_.push_back({s, owner});
  }
  void finish() {
    std::sort(entries_.begin(), entries_.end(),
              [](const Entry& a, const Entry& b) { return a.span.lo < b.span.lo; });
    if (!entries_.empty()) {
      min_ = entries_.front().span.lo;
      for (const Entry& e : entries_) max_ = std::max(max_, e.span.hi);
    }
  }
  int find(Word w) const noexcept {
    Word m = w ^ kMask;
    if (m < min_ || m >= max_) return -1;
    auto it = std::upper_bound(entries_.begin(), entries_.end(), m,
                               [](Word v, const Entry& e) { return v < e.span.lo; });
    if (it == entries_.begin()) return -1;
    --it;
    return m < it->span.hi ? it->owner : -1;
  }

 private:
  struct Entry {
    Span span;
    int owner;
  };
  std::vector<Entry> entries_;
  Word min_ = ~Word{0};
  Word max_ = 0;
};

struct Analysis {
  std::vector<Candidate> cands;
  SpanIndex index;
  std::vector<ChanCore*> waited;  // sorted, unique; each retained once by us
  std::vector<std::uint8_t> reached;
};

bool is_waited(const Analysis& a, Word w) noexcept {
  auto* c = reinterpret_cast<ChanCore*>(w);
  return std::binary_search(a.waited.begin(), a.waited.end(), c);
}

// A candidate's own memory, read in place while it is pinned: its handles and its
// pointers into other candidates.
__attribute__((noinline, no_sanitize("address", "thread"))) void scan_candidate_memory(Analysis& a,
                                                                                       int i,
                                                                                       Span span) {
  Candidate& c = a.cands[static_cast<std::size_t>(i)];
  const auto* p = reinterpret_cast<const Word*>(span.lo ^ kMask);
  std::size_t n = ((span.hi ^ kMask) - (span.lo ^ kMask)) / sizeof(Word);
  for (std::size_t k = 0; k < n; ++k) {
    Word w = p[k];
    if (w == 0) continue;
    if (k + 1 < n && p[k + 1] == detail::handle_check(reinterpret_cast<ChanCore*>(w), p + k) &&
        is_waited(a, w)) {
      auto* core = reinterpret_cast<ChanCore*>(w);
      auto it = std::find_if(c.handles.begin(), c.handles.end(),
                             [core](const auto& h) { return h.first == core; });
      if (it == c.handles.end()) {
        c.handles.emplace_back(core, 1);
      } else {
        ++it->second;
      }
      continue;
    }
    int j = a.index.find(w);
    if (j >= 0 && j != i) c.points_to.push_back(j);
  }
}

__attribute__((noinline, no_sanitize("address", "thread"))) void scan_root_words(Analysis& a,
                                                                                 const Word* p,
                                                                                 std::size_t n) {
  for (std::size_t k = 0; k < n; ++k) {
    int j = a.index.find(p[k]);
    if (j >= 0) a.reached[static_cast<std::size_t>(j)] = 1;
  }
}

// Memory that may change or go away while it is read: copied by the kernel, which
// fails a read of an unmapped page instead of faulting.
class SafeReader {
 public:
  SafeReader() {
    void* m = mmap(nullptr, kReadChunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    buf_ = m == MAP_FAILED ? nullptr : static_cast<Word*>(m);
  }
  ~SafeReader() {
    if (buf_ != nullptr) munmap(buf_, kReadChunk);
  }
  SafeReader(const SafeReader&) = delete;
  SafeReader& operator=(const SafeReader&) = delete;
  bool ok() const noexcept { return buf_ != nullptr; }
  Word buffer() const noexcept { return reinterpret_cast<Word>(buf_); }

  void scan(Analysis& a, Word lo, Word hi) {
    lo = (lo + sizeof(Word) - 1) & ~(sizeof(Word) - 1);
    while (lo + sizeof(Word) <= hi) {
      std::size_t len = std::min<std::size_t>(kReadChunk, hi - lo) & ~(sizeof(Word) - 1);
      iovec local{buf_, len};
      iovec remote{reinterpret_cast<void*>(lo), len};
      ssize_t got = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
      if (got > 0) {
        scan_root_words(a, buf_, static_cast<std::size_t>(got) / sizeof(Word));
        lo += static_cast<std::size_t>(got) & ~(sizeof(Word) - 1);
        if (static_cast<std::size_t>(got) == len) continue;
      }
      lo = (lo & ~Word{4095}) + 4096;  // an unreadable page: skip it
    }
  }

 private:
  Word* buf_ = nullptr;
};

// The writable mappings of the process, from /proc/self/maps.
std::vector<Span> writable_mappings() {
  std::vector<Span> out;
  int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  std::string text;
  char chunk[4096];
  for (;;) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) break;
    text.append(chunk, static_cast<std::size_t>(n));
  }
  close(fd);
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    unsigned long long lo = 0;
    unsigned long long hi = 0;
    char perms[8] = {};
    if (std::sscanf(line.c_str(), "%llx-%llx %7s", &lo, &hi, perms) != 3) continue;
    if (perms[0] != 'r' || perms[1] != 'w') continue;
    if (line.find("[vvar]") != std::string::npos || line.find("[vsyscall]") != std::string::npos) {
      continue;
    }
    if (hi - lo > kMaxScannedMapping) continue;
    out.push_back(masked_span(static_cast<Word>(lo), static_cast<Word>(hi)));
  }
  return out;
}

// Reads [lo, hi) but for the excluded ranges (sorted, disjoint), skipping pages a
// large mapping never touched.
void scan_mapping(Analysis& a, SafeReader& reader, Span m, const std::vector<Span>& excluded) {
  Word at = m.lo;
  auto read_resident = [&](Word mlo, Word mhi) {
    if (mhi <= mlo) return;
    Word lo = mlo ^ kMask;
    Word hi = mhi ^ kMask;
    if (hi - lo <= kResidencyCheckAbove) {
      reader.scan(a, lo, hi);
      return;
    }
    constexpr std::size_t kWindowPages = 16384;
    std::vector<unsigned char> vec(kWindowPages);
    Word page_lo = lo & ~Word{4095};
    for (Word w = page_lo; w < hi; w += kWindowPages * 4096) {
      std::size_t len = std::min<Word>(kWindowPages * 4096, hi - w);
      if (mincore(reinterpret_cast<void*>(w), len, vec.data()) != 0) continue;
      std::size_t pages = (len + 4095) / 4096;
      for (std::size_t k = 0; k < pages;) {
        if ((vec[k] & 1) == 0) {
          ++k;
          continue;
        }
        std::size_t e = k;
        while (e < pages && (vec[e] & 1) != 0) ++e;
        reader.scan(a, std::max(lo, w + k * 4096), std::min(hi, w + e * 4096));
        k = e;
      }
    }
  };
  for (const Span& x : excluded) {
    if (x.hi <= at) continue;
    if (x.lo >= m.hi) break;
    read_resident(at, std::min(x.lo, m.hi));
    at = std::max(at, x.hi);
    if (at >= m.hi) return;
  }
  read_resident(at, m.hi);
}

// Stack bounds of a goroutine that may be exiting or starting on another thread
// (a racy read, which the analysis tolerates: the words it reads are copied, and a
// stale range only adds roots). Atomic loads, so that no compiler moves them into
// an instrumented caller.
__attribute__((noinline, no_sanitize("address", "thread"))) Span stack_range(G* g) noexcept {
  char* lo = __atomic_load_n(&g->stack.lo, __ATOMIC_RELAXED);
  char* hi = __atomic_load_n(&g->stack.hi, __ATOMIC_RELAXED);
  return masked_span(reinterpret_cast<Word>(lo), reinterpret_cast<Word>(hi));
}

__attribute__((noinline, no_sanitize("address", "thread"))) void scan_switched_out_goroutine(
    Analysis& a, G* g) {
  void* sp = std::atomic_ref<void*>(g->sp).load(std::memory_order_acquire);
  char* hi = __atomic_load_n(&g->stack.hi, __ATOMIC_RELAXED);
  if (sp == nullptr || hi == nullptr) return;
  scan_root_words(a, static_cast<const Word*>(sp),
                  static_cast<std::size_t>(hi - static_cast<char*>(sp)) / sizeof(Word));
}

// The candidates: goroutines parked on channels, with what they wait on.
__attribute__((noinline, no_sanitize("address", "thread"))) void collect_candidates(
    Analysis& a, const std::vector<G*>& all) {
  for (G* g : all) {
    if (g->status.load(std::memory_order_relaxed) != GStatus::waiting) continue;
    if (g->chan_wait == 0) continue;
    if (!pin_switched_out(g)) continue;
    void* sp = std::atomic_ref<void*>(g->sp).load(std::memory_order_acquire);
    std::uint32_t kind = g->chan_wait;
    if (sp != nullptr && kind != 0 &&
        g->status.load(std::memory_order_acquire) == GStatus::waiting) {
      Candidate c;
      c.g = g;
      c.gen = g->park_gen;
      c.forever = kind == kChanWaitForever;
      c.stack = {masked(sp), masked(__atomic_load_n(&g->stack.hi, __ATOMIC_RELAXED))};
      if (g->task != nullptr) {
        c.task = {masked(g->task), masked(static_cast<char*>(g->task) + g->task_ops->size)};
      }
      if (!c.forever) {
        Sudog* sgs = g->chan_wait_sudogs;
        std::uint32_t n = kind;
        c.sudogs = {masked(sgs), masked(sgs + n)};
        // The wait records lie in the runtime's frames of the channel operation,
        // below the user's: from their end up is the user's part of the stack, the
        // part a live pointer can mean. Pointers below it (a neighbour's link to
        // this goroutine's wait record, a scheduler's stale copy) are the runtime's.
        if (c.sudogs.lo >= c.stack.lo && c.sudogs.hi <= c.stack.hi) c.stack.lo = c.sudogs.hi;
        for (std::uint32_t k = 0; k < n; ++k) {
          ChanCore* core = sgs[k].c;
          if (std::find(c.waits.begin(), c.waits.end(), core) != c.waits.end()) continue;
          c.waits.push_back(core);
          if (std::find(a.waited.begin(), a.waited.end(), core) == a.waited.end()) {
            detail::chan_retain(core);  // the count is read after the goroutine may have gone
            a.waited.push_back(core);
          }
        }
      }
      a.cands.push_back(std::move(c));
    }
    unpin_switched_out(g);
  }
  std::sort(a.waited.begin(), a.waited.end());
  // Pointers into a candidate's task are not looked for: its creator keeps a stale
  // copy of the task's address from go(), and nobody else has a use for one.
  for (std::size_t i = 0; i < a.cands.size(); ++i)
    a.index.add(a.cands[i].stack, static_cast<int>(i));
  a.index.finish();
}

// Every candidate's memory, re-read while pinned: handles and pointers.
void scan_candidates(Analysis& a) {
  for (std::size_t i = 0; i < a.cands.size(); ++i) {
    Candidate& c = a.cands[i];
    if (!pin_switched_out(c.g)) {
      c.wake = true;  // it moved
      continue;
    }
    if (c.g->park_gen != c.gen || c.g->status.load(std::memory_order_acquire) != GStatus::waiting) {
      c.wake = true;
    } else {
      scan_candidate_memory(a, static_cast<int>(i), c.stack);
      if (c.task.hi > c.task.lo) scan_candidate_memory(a, static_cast<int>(i), c.task);
    }
    unpin_switched_out(c.g);
    std::sort(c.points_to.begin(), c.points_to.end());
    c.points_to.erase(std::unique(c.points_to.begin(), c.points_to.end()), c.points_to.end());
  }
}

// Everything that is not a candidate's: which candidates it reaches.
void scan_roots(Analysis& a, const std::vector<G*>& all, G* self, const void* entry_frame) {
  a.reached.assign(a.cands.size(), 0);
  SafeReader reader;
  if (!reader.ok()) {  // cannot read memory: everything counts as reachable
    a.reached.assign(a.cands.size(), 1);
    return;
  }
  std::vector<G*> cand_gs;
  for (const Candidate& c : a.cands) cand_gs.push_back(c.g);
  std::sort(cand_gs.begin(), cand_gs.end());

  std::vector<Span> excluded;
  for (const StackArena& arena : stack_arenas()) {
    excluded.push_back(masked_span(reinterpret_cast<Word>(arena.base),
                                   reinterpret_cast<Word>(arena.base) + arena.size));
  }
  for (const Candidate& c : a.cands) {
    excluded.push_back(masked_span(reinterpret_cast<Word>(c.g), reinterpret_cast<Word>(c.g + 1)));
    for (Span s : {c.task, c.sudogs}) {
      if (s.hi > s.lo) excluded.push_back({s.lo, s.hi});
    }
  }
  for (ChanCore* core : a.waited) {
    excluded.push_back(masked_span(reinterpret_cast<Word>(core), reinterpret_cast<Word>(core + 1)));
  }
  excluded.push_back(masked_span(reader.buffer(), reader.buffer() + kReadChunk));
  // The runtime's own threads run no user code on their stacks (goroutines run on
  // theirs): what those stacks hold of goroutines' stack addresses are the
  // scheduler's stale copies (a park's commit argument, spilled at -O0).
  for (const ThreadStack& t : runtime_thread_stacks()) {
    if (t.hi > t.lo) {
      excluded.push_back(masked_span(reinterpret_cast<Word>(t.lo), reinterpret_cast<Word>(t.hi)));
    }
  }
  Word entry = masked(entry_frame);
  bool self_is_goroutine = self != nullptr && self->kind == G::Kind::goroutine;
  std::vector<Span> maps = writable_mappings();
  if (!self_is_goroutine) {  // this thread's stack below the analysis is the analysis's
    for (const Span& m : maps) {
      if (entry >= m.lo && entry < m.hi) excluded.push_back({m.lo, entry});
    }
  }
  std::sort(excluded.begin(), excluded.end(),
            [](const Span& x, const Span& y) { return x.lo < y.lo; });
  std::vector<Span> merged;
  for (const Span& x : excluded) {
    if (!merged.empty() && x.lo <= merged.back().hi) {
      merged.back().hi = std::max(merged.back().hi, x.hi);
    } else {
      merged.push_back(x);
    }
  }
  for (const Span& m : maps) scan_mapping(a, reader, m, merged);

  // Goroutine stacks, one by one: the live part of a switched-out one, the whole of
  // one that runs (copied, as it may exit meanwhile).
  if (self_is_goroutine) {
    Span r = stack_range(self);
    reader.scan(a, entry ^ kMask, r.hi ^ kMask);
  }
  for (G* g : all) {
    if (std::binary_search(cand_gs.begin(), cand_gs.end(), g)) continue;
    if (pin_switched_out(g)) {
      scan_switched_out_goroutine(a, g);
      unpin_switched_out(g);
    } else {
      Span r = stack_range(g);
      if (r.hi > r.lo) reader.scan(a, r.lo ^ kMask, r.hi ^ kMask);
    }
  }
}

// The fixed point. root: the candidate's memory is reachable, so its handles and
// pointers are live. wake: a channel it waits on is live (or it moved), so it may
// run again, which makes its memory reachable too. Leaked: never woken.
void solve(Analysis& a) {
  std::vector<int> work;
  auto make_root = [&](std::size_t i) {
    if (!a.cands[i].root) {
      a.cands[i].root = true;
      work.push_back(static_cast<int>(i));
    }
  };
  for (std::size_t i = 0; i < a.cands.size(); ++i) {
    if (a.cands[i].wake || a.reached[i] != 0) make_root(i);
  }
  for (;;) {
    while (!work.empty()) {
      auto i = static_cast<std::size_t>(work.back());
      work.pop_back();
      for (int j : a.cands[i].points_to) make_root(static_cast<std::size_t>(j));
    }
    // A channel is live while it has a holder besides the candidates whose memory
    // is not reachable (and besides our own reference).
    std::vector<ChanCore*> live_chans;
    for (ChanCore* core : a.waited) {
      std::int64_t unreachable_handles = 0;
      for (const Candidate& c : a.cands) {
        if (c.root) continue;
        for (const auto& h : c.handles) {
          if (h.first == core) unreachable_handles += h.second;
        }
      }
      if (core->refs.load(std::memory_order_acquire) - 1 != unreachable_handles) {
        live_chans.push_back(core);
      }
    }
    for (std::size_t i = 0; i < a.cands.size(); ++i) {
      Candidate& c = a.cands[i];
      if (c.wake) continue;
      for (ChanCore* core : c.waits) {
        if (std::find(live_chans.begin(), live_chans.end(), core) != live_chans.end()) {
          c.wake = true;
          make_root(i);
          break;
        }
      }
    }
    if (work.empty()) return;
  }
}

struct Leaked {
  G* g;
  std::uint64_t gen;
  bool operator<(const Leaked& o) const noexcept { return g < o.g || (g == o.g && gen < o.gen); }
  bool operator==(const Leaked& o) const noexcept { return g == o.g && gen == o.gen; }
};

std::vector<Leaked> analyze_once(const void* entry) {
  G* self = current_g();
  std::vector<G*> all = goroutines_by_id(self);
  Analysis a;
  collect_candidates(a, all);
  std::vector<Leaked> out;
  if (!a.cands.empty()) {
    scan_candidates(a);
    scan_roots(a, all, self, entry);
    solve(a);
    for (const Candidate& c : a.cands) {
      if (!c.wake && c.g->park_gen == c.gen &&
          c.g->status.load(std::memory_order_acquire) == GStatus::waiting) {
        out.push_back({c.g, c.gen});
      }
    }
  }
  for (ChanCore* core : a.waited) detail::chan_release(core);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<G*> find_leaked_goroutines(const void* caller_frame) {
  ensure_started();
  std::vector<Leaked> first = analyze_once(caller_frame);
  if (first.empty()) return {};
  std::vector<Leaked> second = analyze_once(caller_frame);
  std::vector<G*> out;
  for (const Leaked& l : first) {
    if (std::binary_search(second.begin(), second.end(), l)) out.push_back(l.g);
  }
  std::sort(out.begin(), out.end(), [](const G* x, const G* y) { return x->id < y->id; });
  return out;
}

}  // namespace gocxx::rt
