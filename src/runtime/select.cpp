// select, after Go's runtime/select.go (selectgo).
//
//   1. Poll order: a uniformly random permutation of the cases with a channel.
//   2. Lock order: the same cases sorted by channel address; every distinct channel
//      is locked in that order, so two selects sharing channels cannot deadlock.
//   3. Pass 1: the first case in poll order that can proceed runs.
//   4. Nothing ready: take the default case if there is one.
//   5. Pass 2: enqueue a Sudog on every channel and park. Whoever dequeues one of
//      them must first win this goroutine's select_done, so exactly one case fires.
//   6. Pass 3, after wake-up: relock and unlink the losing Sudogs. The winner is
//      identified by pointer (g->param).
#include <algorithm>
#include <memory>
#include <vector>

#include "chan_internal.hpp"
#include "gocxx/errors.hpp"
#include "gocxx/select.hpp"
#include "panic.hpp"
#include "sanitizers.hpp"

namespace gocxx::detail {

using rt::G;
using rt::Sudog;

namespace {

constexpr int kInlineCases = 8;

// Every distinct channel of a select, locked in address order. The analysis cannot
// count locks taken in a loop, so these two are outside it.
struct Locked {
  const CaseRef* cases;
  const std::uint16_t* lockorder;
  int n;

  void lock() const noexcept GOCXX_NO_THREAD_SAFETY_ANALYSIS {
    ChanCore* prev = nullptr;
    for (int i = 0; i < n; ++i) {
      ChanCore* c = cases[lockorder[i]].chan;
      if (c != prev) c->lock();
      prev = c;
    }
  }
  void unlock() const noexcept GOCXX_NO_THREAD_SAFETY_ANALYSIS {
    for (int i = n - 1; i >= 0; --i) {
      ChanCore* c = cases[lockorder[i]].chan;
      if (i > 0 && cases[lockorder[i - 1]].chan == c) continue;  // unlock once, at the first
      c->unlock();
    }
  }
};

void unlock_all(G* /*g*/, void* arg) {
  static_cast<const Locked*>(arg)->unlock();
}

enum class Outcome { not_ready, ran, send_on_closed };

// Pass 1 for one case; *woken is a goroutine to ready after unlocking.
// Runs with cas.chan locked (with every case's channel, by Locked::lock, or alone on
// the single-channel fast path): the analysis cannot see locks taken in a loop.
Outcome try_case(const CaseRef& cas, bool* recv_ok, G** woken) GOCXX_NO_THREAD_SAFETY_ANALYSIS {
  ChanCore* c = cas.chan;
  if (cas.kind == CaseKind::recv) {
    if (Sudog* sg = c->sendq.dequeue()) {
      c->recv_from_sender(sg, cas.elem);
      *woken = rt::complete_wait(sg, true);
      *recv_ok = true;
      return Outcome::ran;
    }
    if (c->qcount.load(std::memory_order_relaxed) > 0) {
      c->buffer_pop(cas.elem);
      *recv_ok = true;
      return Outcome::ran;
    }
    if (c->closed.load(std::memory_order_relaxed) != 0) {
      *recv_ok = false;
      return Outcome::ran;
    }
    return Outcome::not_ready;
  }
  if (c->closed.load(std::memory_order_relaxed) != 0) return Outcome::send_on_closed;
  if (Sudog* sg = c->recvq.dequeue()) {
    c->move_elem(sg->elem, cas.elem);
    *woken = rt::complete_wait(sg, true);
    return Outcome::ran;
  }
  if (c->qcount.load(std::memory_order_relaxed) < c->capacity) {
    c->buffer_push(cas.elem);
    return Outcome::ran;
  }
  return Outcome::not_ready;
}

// One channel operation as a select: Go lowers these to plain chan ops as well.
SelectResult single_case(const CaseRef& cas, int index, int dflt) {
  bool block = dflt < 0;
  if (cas.kind == CaseKind::send) {
    if (block) {
      chan_send(cas.chan, cas.elem);
      return {index, false};
    }
    return chan_try_send(cas.chan, cas.elem) ? SelectResult{index, false}
                                             : SelectResult{dflt, false};
  }
  if (block) return {index, chan_recv(cas.chan, cas.elem)};
  switch (chan_try_recv(cas.chan, cas.elem)) {
    case TryRecv::received:
      return {index, true};
    case TryRecv::closed:
      return {index, false};
    case TryRecv::would_block:
      break;
  }
  return {dflt, false};
}

}  // namespace

SelectResult select_core(CaseRef* cases, int n) {
  std::uint16_t inline_poll[kInlineCases];
  std::uint16_t inline_lock[kInlineCases];
  std::unique_ptr<std::uint16_t[]> heap_orders;
  std::uint16_t* pollorder = inline_poll;
  std::uint16_t* lockorder = inline_lock;
  if (n > kInlineCases) {
    if (n > 65536) throw Panic("reflect.Select: too many cases (max 65536)");
    heap_orders = std::make_unique<std::uint16_t[]>(2 * static_cast<std::size_t>(n));
    pollorder = heap_orders.get();
    lockorder = heap_orders.get() + n;
  }

  // 1. Poll order (inside-out Fisher-Yates over the cases with a channel).
  int dflt = -1;
  int norder = 0;
  for (int i = 0; i < n; ++i) {
    if (cases[i].kind == CaseKind::fallback) {
      if (dflt >= 0) throw Panic("reflect.Select: multiple default cases");
      dflt = i;
      continue;
    }
    if (cases[i].chan == nullptr) continue;
    rt::check_chan_bubble(cases[i].chan, "select on");
    int j = static_cast<int>(rt::fast_rand_n(static_cast<std::uint32_t>(norder + 1)));
    pollorder[norder] = pollorder[j];
    pollorder[j] = static_cast<std::uint16_t>(i);
    ++norder;
  }
  if (norder == 0) {
    if (dflt >= 0) return {dflt, false};
    rt::block_forever(n == 0 ? "select (no cases)" : "select");
  }
  if (norder == 1) return single_case(cases[pollorder[0]], pollorder[0], dflt);

  // Timer channels (Go 1.23): run the ones that are due; while this select may
  // block, keep them in a timer heap (selectgo's blockTimerChan).
  struct TimerCases {
    const CaseRef* cases;
    const std::uint16_t* order;
    int n;
    bool blocked = false;
    ~TimerCases() {
      if (!blocked) return;
      for (int k = 0; k < n; ++k) {
        if (rt::Timer* t = cases[order[k]].chan->timer) rt::chan_timer_unblock(t);
      }
    }
  } timer_cases{cases, pollorder, norder};
  bool has_timers = false;
  for (int k = 0; k < norder; ++k) {
    if (rt::Timer* t = cases[pollorder[k]].chan->timer) {
      rt::chan_timer_maybe_run(t);
      has_timers = true;
    }
  }
  if (has_timers && dflt < 0) {
    for (int k = 0; k < norder; ++k) {
      if (rt::Timer* t = cases[pollorder[k]].chan->timer) rt::chan_timer_block(t);
    }
    timer_cases.blocked = true;
  }

  // 1b. (Not in Go.) An optimistic pass in poll order that locks at most one
  // channel: look at each channel without its lock; lock one that looks ready and
  // run its case if it still is. That is the select Go would have run at that
  // instant: the case is ready, and it is the first ready one in a random order.
  // If nothing looked ready and no channel's seqlock moved meanwhile, there was an
  // instant when no case could proceed, so the default case runs without taking any
  // lock (Go's "atomic snapshot" guarantee for non-blocking selects holds).
#if !defined(GOCXX_TSAN)
  {
    std::uint64_t inline_seqs[kInlineCases];
    std::unique_ptr<std::uint64_t[]> heap_seqs;
    std::uint64_t* seqs = inline_seqs;
    if (norder > kInlineCases) {
      heap_seqs = std::make_unique<std::uint64_t[]>(static_cast<std::size_t>(norder));
      seqs = heap_seqs.get();
    }
    bool quiet = true;  // every channel was observed between two equal, even seqs
    for (int k = 0; k < norder; ++k) {
      int i = pollorder[k];
      const CaseRef& cas = cases[i];
      ChanCore* c = cas.chan;
      std::uint64_t before = c->seq.load(std::memory_order_acquire);
      bool ready = cas.kind == CaseKind::recv ? c->recv_ready_hint() : c->send_ready_hint();
      if (ready) {
        bool recv_ok = false;
        G* woken = nullptr;
        c->lock();
        Outcome outcome = try_case(cas, &recv_ok, &woken);
        c->unlock();
        if (outcome == Outcome::send_on_closed) rt::panic_send_on_closed();
        if (outcome == Outcome::ran) {
          if (woken != nullptr) rt::ready(woken);
          return {i, recv_ok};
        }
        quiet = false;
        continue;
      }
      acquire_fence();
      if ((before & 1) != 0 || c->seq.load(std::memory_order_relaxed) != before) quiet = false;
      seqs[k] = before;
    }
    if (quiet && dflt >= 0) {
      bool unchanged = true;
      for (int k = 0; k < norder && unchanged; ++k) {
        unchanged = cases[pollorder[k]].chan->seq.load(std::memory_order_acquire) == seqs[k];
      }
      if (unchanged) return {dflt, false};
    }
  }
#endif

  // 2. Lock order: by channel address.
  std::copy(pollorder, pollorder + norder, lockorder);
  std::sort(lockorder, lockorder + norder,
            [cases](std::uint16_t a, std::uint16_t b) { return cases[a].chan < cases[b].chan; });
  Locked locked{cases, lockorder, norder};
  locked.lock();

  // 3. Pass 1.
  for (int k = 0; k < norder; ++k) {
    int i = pollorder[k];
    bool recv_ok = false;
    G* woken = nullptr;
    Outcome outcome = try_case(cases[i], &recv_ok, &woken);
    if (outcome == Outcome::not_ready) continue;
    locked.unlock();
    if (outcome == Outcome::send_on_closed) rt::panic_send_on_closed();
    if (woken != nullptr) rt::ready(woken);
    return {i, recv_ok};
  }

  // 4. Default.
  if (dflt >= 0) {
    locked.unlock();
    return {dflt, false};
  }

  // 5. Pass 2: wait on every channel.
  G* self = rt::current_g();
  Sudog inline_sg[kInlineCases];
  std::vector<Sudog> heap_sg;
  Sudog* sgs = inline_sg;
  if (norder > kInlineCases) {
    heap_sg.resize(static_cast<std::size_t>(norder));
    sgs = heap_sg.data();
  }
  self->param = nullptr;
  self->select_done.store(0, std::memory_order_relaxed);
  for (int k = 0; k < norder; ++k) {
    int i = lockorder[k];
    Sudog& sg = sgs[k];
    sg.g = self;
    sg.elem = cases[i].elem;
    sg.c = cases[i].chan;
    sg.case_index = i;
    sg.is_select = true;
    sg.success = false;
    (cases[i].kind == CaseKind::recv ? sg.c->recvq : sg.c->sendq).enqueue(&sg);
  }
  rt::park_on_sudogs(sgs, norder, unlock_all, &locked, "select");

  // 6. Pass 3: unlink the losers.
  locked.lock();
  auto* winner = self->param;
  for (int k = 0; k < norder; ++k) {
    Sudog& sg = sgs[k];
    if (&sg == winner) continue;
    int i = sg.case_index;
    (cases[i].kind == CaseKind::recv ? sg.c->recvq : sg.c->sendq).remove(&sg);
  }
  locked.unlock();
  if (winner == nullptr) rt::fatal("selectgo: bad wakeup");
  int i = winner->case_index;
  if (cases[i].kind == CaseKind::send && !winner->success) rt::panic_send_on_closed();
  return {i, winner->success};
}

}  // namespace gocxx::detail

namespace gocxx {

void select() {
  rt::block_forever("select (no cases)");
}

int select(std::span<SelectCase> cases) {
  rt::maybe_preempt();
  if (cases.empty()) select();
  constexpr std::size_t kInline = 8;
  detail::CaseRef inline_refs[kInline];
  std::vector<detail::CaseRef> heap_refs;
  detail::CaseRef* refs = inline_refs;
  if (cases.size() > kInline) {
    heap_refs.resize(cases.size());
    refs = heap_refs.data();
  }
  for (std::size_t i = 0; i < cases.size(); ++i) refs[i] = cases[i].ref();
  detail::SelectResult r = detail::select_core(refs, static_cast<int>(cases.size()));
  cases[static_cast<std::size_t>(r.index)].complete(r.recv_ok);
  return r.index;
}

}  // namespace gocxx
