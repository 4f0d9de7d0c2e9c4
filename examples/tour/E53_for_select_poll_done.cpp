// E53 for-select-poll-done: a loop doing work that cannot be interrupted checks
// done between work units, in either of the tutorial's two forms (the work after
// the select, or inside its default case). Each loop works until main closes
// done, then returns within one work unit.
#include <atomic>
#include <chrono>
#include <cstdio>

#include "gocxx/gocxx.hpp"

using namespace std::chrono_literals;
using namespace gocxx;

namespace {

void work_unit(std::atomic<long>& units) {
  time::sleep(1ms);  // non-preemptable work
  units++;
}

// The work after the select.
void work_after_select(RecvChan<> done, std::atomic<long>& units) {
  for (;;) {
    if (select(recv(done), default_case()) == 0) return;
    work_unit(units);
  }
}

// The work inside default.
void work_in_default(RecvChan<> done, std::atomic<long>& units) {
  for (;;) {
    if (select(recv(done), default_case([&] { work_unit(units); })) == 0) return;
  }
}

}  // namespace

int main() {
  return run([] {
    for (auto* loop : {&work_after_select, &work_in_default}) {
      Chan<> done = make_chan<>();
      Chan<> returned = make_chan<>();
      std::atomic<long> units{0};
      go([=, &units] {
        loop(done, units);
        returned.close();
      });
      while (units < 3) time::sleep(1ms);  // it works while done is open
      done.close();
      returned.recv();
      std::printf("%s: worked until done\n",
                  loop == &work_after_select ? "work after select" : "work in default");
    }
  });
}
