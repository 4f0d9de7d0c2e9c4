// E19 cond-definition: sync.Locker is Lock/Unlock; a Cond has a
// Locker L (a *Mutex or *RWMutex); Wait atomically unlocks L and suspends the
// goroutine until Broadcast or Signal wakes it, then locks L again before it
// returns; Signal wakes the goroutine that has waited longest (the runtime keeps a
// FIFO queue of waiters per Cond), Broadcast wakes them all; the caller may, but need
// not, hold L for Signal and Broadcast.
// The tutorial only lists the API; this program checks each statement and prints one
// line per fact. (The tutorial's `type cond struct` is sync.Cond.)
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>

#include "gocxx/gocxx.hpp"

using namespace std::chrono_literals;
using gocxx::sync::Cond;
using gocxx::sync::Mutex;

namespace {

const char* yes(bool b) {
  return b ? "true" : "false";
}

// Waits until `waiting` (guarded by c.l) reaches n: then those goroutines are inside
// c.wait(), since each counts itself under l and l is free only once it waits.
void await_waiters(Cond& c, const int& waiting, int n) {
  for (;;) {
    c.l.lock();
    bool there = waiting >= n;
    c.l.unlock();
    if (there) return;
    gocxx::time::sleep(100us);
  }
}

// Signal wakes the longest waiter: waiters 1, 2, 3 start one at a time, and are
// signalled one at a time.
void fifo() {
  Mutex mu;
  Cond c(mu);
  int waiting = 0;
  auto woke = gocxx::make_chan<int>();
  for (int id = 1; id <= 3; id++) {
    gocxx::go([&, id] {
      c.l.lock();
      waiting++;
      c.wait();
      c.l.unlock();
      woke.send(id);
    });
    await_waiters(c, waiting, id);  // waiter id is in Wait before id + 1 starts
  }
  std::string order;
  for (int i = 0; i < 3; i++) {
    c.signal();
    order += ' ';  // (not `" " + ...`: GCC 12 -O3 reports a false -Wrestrict there)
    order += std::to_string(*woke.recv());
  }
  std::printf("Signal, three times, wakes the waiters in the order they waited:%s\n",
              order.c_str());
}

// Broadcast wakes every waiter.
void broadcast() {
  constexpr int n = 5;
  Mutex mu;
  Cond c(mu);
  int waiting = 0;
  gocxx::sync::WaitGroup woken;
  woken.add(n);
  for (int i = 0; i < n; i++) {
    gocxx::go([&] {
      c.l.lock();
      waiting++;
      c.wait();
      c.l.unlock();
      woken.done();
    });
  }
  await_waiters(c, waiting, n);
  c.broadcast();
  woken.wait();
  std::printf("Broadcast, once, wakes all %d waiters\n", n);
}

// A Signal with no waiter is lost: it does not wake a later waiter.
void signal_without_waiters() {
  Mutex mu;
  Cond c(mu);
  int waiting = 0;
  c.signal();
  auto woke = gocxx::make_chan<>(1);
  gocxx::go([&] {
    c.l.lock();
    waiting++;
    c.wait();
    c.l.unlock();
    woke.send();
  });
  await_waiters(c, waiting, 1);
  bool still_waiting = gocxx::select(gocxx::recv(woke), gocxx::recv(gocxx::time::after(50ms))) == 1;
  c.signal();
  woke.recv();
  std::printf(
      "Signal with no waiter does nothing: a later waiter still waits 50ms after: %s; "
      "the next Signal wakes it\n",
      yes(still_waiting));
}

// Wait returns with L locked: the woken goroutine's try_lock fails, and after it
// unlocks, main's succeeds.
void wait_relocks() {
  Mutex mu;
  Cond c(mu);
  int waiting = 0;
  bool held = false;
  auto woke = gocxx::make_chan<>();
  gocxx::go([&] {
    c.l.lock();
    waiting++;
    c.wait();
    held = !mu.try_lock();
    c.l.unlock();
    woke.send();
  });
  await_waiters(c, waiting, 1);
  c.signal();
  woke.recv();
  bool free_after = mu.try_lock();
  if (free_after) mu.unlock();
  std::printf("Wait returns with L locked: %s (unlocked after the waiter's Unlock: %s)\n",
              yes(held), yes(free_after));
}

// Wait unlocks L while it waits: another goroutine locks L meanwhile. Signal and
// Broadcast without holding L were used above; here the signaller holds L, which is
// allowed too. L may also be an RWMutex's read locker.
void wait_unlocks_and_rlocker() {
  gocxx::sync::RWMutex rw;
  Cond c(rw.rlocker());
  int waiting = 0;  // guarded by the write lock below, and by the read lock here
  auto woke = gocxx::make_chan<>();
  gocxx::go([&] {
    c.l.lock();  // RLock
    waiting++;   // the only reader
    c.wait();
    c.l.unlock();
    woke.send();
  });
  for (;;) {
    rw.lock();  // succeeds only while the waiter has released its read lock
    bool in_wait = waiting == 1;
    if (in_wait) {
      c.signal();  // with L's writer side held: allowed
      rw.unlock();
      break;
    }
    rw.unlock();
    gocxx::time::sleep(100us);
  }
  woke.recv();
  std::printf(
      "Wait unlocks L while it waits: a writer locked the RWMutex under a waiting reader; "
      "Cond(rw.RLocker()) works\n");
}

}  // namespace

int main() {
  return gocxx::run([] {
    fifo();
    broadcast();
    signal_without_waiters();
    wait_relocks();
    wait_unlocks_and_rlocker();
  });
}
