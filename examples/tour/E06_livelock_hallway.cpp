// E06 livelock-hallway: a livelock: Alice and Barbara are busy
// but make no progress. A sync.Cond broadcast every millisecond (from time.Tick) is
// the cadence that keeps them in lockstep: both step left at the same time (the
// left counter becomes 2, so neither gets through), both step right, ... After 5
// rounds both give up. Each prints one block when walk returns:
//   Alice is trying to scoot: left right left right left right left right left right
//   Alice tosses her hands up in exasperation!
// or, if a step gets through, `... left right left. Success!`. Lockstep depends on
// scheduling, so an occasional Success is possible.
//
// (The tutorial's `out.string()` is fixed to `out.String()`. Its defers run Done before
// the print, so main's Wait can return, and the process end, before a block is
// printed; here walk prints first, then calls Done. The ticker goroutine runs until
// the program ends, as in the tutorial.)
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "gocxx/gocxx.hpp"

using namespace std::chrono_literals;

namespace {

struct Cadence {
  gocxx::sync::Mutex mu;
  gocxx::sync::Cond cond{mu};
};

}  // namespace

int main() {
  return gocxx::run([] {
    // sync.NewCond(&sync.Mutex{}); shared with the ticker goroutine, which outlives main.
    auto shared = std::make_shared<Cadence>();
    gocxx::go([shared] {
      for ([[maybe_unused]] auto t : gocxx::time::tick(1ms)) shared->cond.broadcast();
    });
    gocxx::sync::Cond& cadence = shared->cond;
    auto takeStep = [&cadence] {
      cadence.l.lock();
      cadence.wait();
      cadence.l.unlock();
    };
    auto tryDir = [&takeStep](const char* dirName, std::atomic<std::int32_t>& dir,
                              std::string& out) {
      out += " ";
      out += dirName;
      dir.fetch_add(1);
      takeStep();
      if (dir.load() == 1) {
        out += ". Success!";
        return true;
      }
      takeStep();
      dir.fetch_add(-1);
      return false;
    };
    std::atomic<std::int32_t> left{0}, right{0};
    auto tryLeft = [&](std::string& out) { return tryDir("left", left, out); };
    auto tryRight = [&](std::string& out) { return tryDir("right", right, out); };
    auto walk = [&](gocxx::sync::WaitGroup* walking, std::string name) {
      std::string out;
      struct Defer {
        gocxx::sync::WaitGroup* walking;
        std::string& out;
        ~Defer() {
          std::printf("%s\n", out.c_str());  // fmt.Println(out.String())
          walking->done();
        }
      } deferred{walking, out};
      out += name + " is trying to scoot:";
      for (int i = 0; i < 5; i++) {
        if (tryLeft(out) || tryRight(out)) {  // both move to the same side at the same time
          return;
        }
      }
      out += "\n" + name + " tosses her hands up in exasperation!";
    };
    gocxx::sync::WaitGroup peopleInHallway;
    peopleInHallway.add(2);
    gocxx::go(walk, &peopleInHallway, std::string("Alice"));
    gocxx::go(walk, &peopleInHallway, std::string("Barbara"));
    peopleInHallway.wait();
  });
}
