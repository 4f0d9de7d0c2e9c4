// E35 close-broadcast-begin: closing a channel releases every
// goroutine waiting on it; a closed channel can be read any number of times, so the
// number of waiters does not matter.
#include <any>
#include <atomic>
#include <cstdio>

#include "gocxx/gocxx.hpp"

int main() {
  return gocxx::run([] {
    auto begin = gocxx::make_chan<std::any>();
    std::atomic<bool> closed{false};  // to show that nobody passes <-begin early
    gocxx::sync::WaitGroup wg;
    for (int i = 0; i < 5; i++) {
      wg.add(1);
      gocxx::go(
          [&](int i) {
            begin.recv();
            if (!closed.load()) std::printf("%d passed <-begin before close!\n", i);
            std::printf("%d has begun\n", i);
            wg.done();
          },
          i);
    }
    std::printf("Unblocking goroutines...\n");
    closed.store(true);
    begin.close();
    wg.wait();
  });
}
