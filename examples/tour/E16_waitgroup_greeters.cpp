// E16 waitgroup-greeters: one Add(numGreeters) before the loop,
// and the WaitGroup passed by pointer to each greeter: `Hello from 1!` ... `Hello
// from 5!`, each once, in any order.
#include <cstdio>

#include "gocxx/gocxx.hpp"

int main() {
  return gocxx::run([] {
    auto hello = [](gocxx::sync::WaitGroup* wg, int id) {
      struct Done {
        gocxx::sync::WaitGroup* wg;
        ~Done() { wg->done(); }  // defer wg.Done()
      } done{wg};
      std::printf("Hello from %d!\n", id);
    };
    constexpr int numGreeters = 5;
    gocxx::sync::WaitGroup wg;
    wg.add(numGreeters);
    for (int i = 0; i < numGreeters; i++) {
      gocxx::go(hello, &wg, i + 1);
    }
    wg.wait();
  });
}
