// E20 cond-wait-loop-idiom: Wait does not hold L while it waits,
// so by the time a woken goroutine has L again another may have changed the
// condition: always Wait in a loop that re-checks the condition under L.
//   c.L.Lock()
//   for !condition() { c.Wait() }
//   ... make use of condition ...
//   c.L.Unlock()
// Two consumers wait for an item; one item is added and Broadcast wakes both: one
// takes it, the other finds the queue empty again and goes back to Wait, where it
// stays until a second item comes. Each line states what was observed.
#include <chrono>
#include <cstdio>

#include "gocxx/gocxx.hpp"

using namespace std::chrono_literals;

int main() {
  return gocxx::run([] {
    gocxx::sync::Mutex mu;
    gocxx::sync::Cond c(mu);
    // Guarded by c.l.
    int items = 0;    // the queue
    int waits = 0;    // calls of Wait
    int wakeups = 0;  // returns from Wait
    int taken = 0;    // items consumed
    auto observe = [&](auto f) {
      c.l.lock();
      auto r = f();
      c.l.unlock();
      return r;
    };
    auto await = [&](auto condition) {
      while (!observe(condition)) gocxx::time::sleep(100us);
    };

    gocxx::sync::WaitGroup consumers;
    for (int i = 0; i < 2; i++) {
      consumers.go([&] {
        c.l.lock();
        while (items == 0) {  // for !condition() { c.Wait() }
          waits++;
          c.wait();
          wakeups++;
        }
        items--;  // make use of the condition
        taken++;
        c.l.unlock();
      });
    }
    await([&] { return waits == 2; });  // both are inside Wait
    std::printf("2 consumers wait for an item\n");

    c.l.lock();
    items++;
    c.broadcast();
    c.l.unlock();
    // Both wake; the loser of the race for L re-checks and waits again.
    await([&] { return wakeups == 2 && waits == 3; });
    std::printf("1 item added, Broadcast: %d returns from Wait, %d item taken, %d Wait again\n",
                observe([&] { return wakeups; }), observe([&] { return taken; }),
                observe([&] { return waits - 2; }));
    gocxx::time::sleep(50ms);
    std::printf(
        "50ms later: items taken %d, returns from Wait %d (the other consumer still waits)\n",
        observe([&] { return taken; }), observe([&] { return wakeups; }));

    c.l.lock();
    items++;
    c.broadcast();
    c.l.unlock();
    consumers.wait();
    std::printf("1 more item added, Broadcast: items taken %d, both consumers done\n", taken);
  });
}
