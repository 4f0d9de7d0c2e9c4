// E11 closure-captures-variable: a closure refers to the outer
// variable (it does not copy it), and the variable lives on (moved to the heap) for
// as long as a goroutine's closure uses it.
//
// Capturing a C++ loop variable by reference would dangle (undefined behaviour), so
// the shared variable is made explicit: one heap cell, captured by every closure,
// that the loop overwrites, as Go before 1.22 does. What each goroutine prints
// depends on when it runs: under the child-first spawn policy each child runs at
// once (hello, greetings, good day); if the loop finishes first, `good day` thrice.
#include <atomic>
#include <cstdio>
#include <memory>

#include "gocxx/gocxx.hpp"

int main() {
  return gocxx::run([] {
    gocxx::sync::WaitGroup wg;
    auto salutation = std::make_shared<std::atomic<const char*>>();  // escapes to the heap
    for (const char* s : {"hello", "greetings", "good day"}) {
      salutation->store(s);
      wg.add(1);
      gocxx::go([&wg, salutation] {  // shares the cell, not a copy of the value
        std::printf("%s\n", salutation->load());
        wg.done();
      });
    }
    wg.wait();
  });
}
