// E21 cond-signal-queue: a queue bounded to 2 items. main adds 10
// items, waiting on the Cond while the queue is full; each item is removed by its own
// goroutine 1s later, which then Signals. So items 1-2 are added at once, 3-4 after
// about 1s, 5-6 after 2s, 7-8 after 3s, 9-10 after 4s; both prints happen under c.L,
// so at every point of the output 0 <= added - removed <= 2.
// The tutorial's main returns right after the 10th add, so the last `Removed from queue`
// lines may never print; this port waits for the removers with a WaitGroup (ten
// `Removed` lines, about 5s in all). --verbatim runs the tutorial's code as is.
// Usage: tour_E21 [--verbatim] [--scale N] [--elapsed]
//   --scale N   divides the 1s delay by N
//   --elapsed   then prints the time main took, as `elapsed <Go duration>`
#include <any>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>

#include "gocxx/gocxx.hpp"
#include "tour_flags.hpp"

using namespace std::chrono_literals;
using gocxx::time::Duration;

namespace {

struct State {
  gocxx::sync::Mutex mu;
  gocxx::sync::Cond c{mu};  // sync.NewCond(&sync.Mutex{})
  std::deque<std::any> queue;
  gocxx::sync::WaitGroup removers;  // the fix: main waits for every remover
};

}  // namespace

int main(int argc, char** argv) {
  long scale = 1;
  bool verbatim = false, elapsed = false;
  if (!tour::parse_flags(argc, argv,
                         {{"--scale", &scale},
                          {"--verbatim", nullptr, &verbatim},
                          {"--elapsed", nullptr, &elapsed}},
                         "[--verbatim] [--scale N] [--elapsed]"))
    return 2;
  return gocxx::run([=] {
    auto start = gocxx::time::now();
    // Shared with the removers, which may outlive main (--verbatim).
    auto state = std::make_shared<State>();
    gocxx::sync::Cond& c = state->c;
    std::deque<std::any>& queue = state->queue;
    gocxx::sync::WaitGroup& removers = state->removers;
    auto removeFromQueue = [state](Duration delay) {
      gocxx::sync::Cond& c = state->c;
      std::deque<std::any>& queue = state->queue;
      gocxx::sync::WaitGroup& removers = state->removers;
      gocxx::time::sleep(delay);
      c.l.lock();
      queue.pop_front();  // queue = queue[1:]
      std::printf("Removed from queue\n");
      c.l.unlock();
      c.signal();
      removers.done();
    };
    for (int i = 0; i < 10; i++) {
      c.l.lock();
      while (queue.size() == 2) {
        c.wait();
      }
      std::printf("Adding to queue\n");
      queue.emplace_back(gocxx::Unit{});
      removers.add(1);
      gocxx::go(removeFromQueue, Duration(1s) / scale);
      c.l.unlock();
    }
    if (!verbatim) removers.wait();
    if (elapsed) {
      std::printf("elapsed %s\n", gocxx::time::to_string(gocxx::time::since(start)).c_str());
    }
  });
}
