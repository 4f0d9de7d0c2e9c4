// E25 once-recursive-deadlock: onceA.Do(initA) runs initA,
// which calls onceB.Do(initB), whose initB calls onceA.Do(initA): that call waits for
// the outer onceA.Do to finish, which waits for it. A deadlock: the program never
// gets past the outer call.
//
// Like Go, gocxx ends it with `fatal error: all goroutines are asleep - deadlock!`
// (exit status 2), main's traceback showing it parked in the inner onceA.Do (Go's
// wait reason for a Once waiting for another call: sync.Mutex.Lock). Each step is
// printed as it starts, so the output shows where the program stops;
// `onceA.Do(initA) returned` never appears.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <thread>

#include "gocxx/gocxx.hpp"

int main() {
  return gocxx::run([] {
    gocxx::sync::Once onceA, onceB;
    std::function<void()> initB;
    std::function<void()> initA = [&] {
      std::printf("initA: onceB.Do(initB)\n");
      onceB.call(initB);
    };
    initB = [&] {
      std::printf("initB: onceA.Do(initA)\n");
      onceA.call(initA);  // this line won't proceed until the line below completes
    };
    std::printf("main: onceA.Do(initA)\n");
    onceA.call(initA);  // this line won't complete until the line above is done
    std::printf("onceA.Do(initA) returned\n");
  });
}
