// E23 once-count-is-1: sync.Once runs the function given to Do
// only once, however many goroutines call it: 100 goroutines call
// once.Do(increment), and count is 1. Concurrent callers of Do wait until the
// first call has finished, so every goroutine sees count == 1 once its Do returns.
#include <cstdio>

#include "gocxx/gocxx.hpp"

int main() {
  return gocxx::run([] {
    int count = 0;
    auto increment = [&count] { count++; };
    gocxx::sync::Once once;
    gocxx::sync::WaitGroup increments;
    increments.add(100);
    for (int i = 0; i < 100; i++) {
      gocxx::go([&] {
        once.call(increment);  // once.Do(increment)
        increments.done();
      });
    }
    increments.wait();
    std::printf("Count is %d\n", count);
  });
}
