// E10 waitgroup-join-point: fork-join: wg.Wait() is the join
// point; main does not go past it before the child has printed.
// (The tutorial's `wg.wait()` is fixed to `wg.Wait()`.) `--verbose` also reports the join.
#include <cstdio>
#include <cstring>

#include "gocxx/gocxx.hpp"

int main(int argc, char** argv) {
  bool verbose = argc > 1 && std::strcmp(argv[1], "--verbose") == 0;
  return gocxx::run([verbose] {
    gocxx::sync::WaitGroup wg;
    auto sayHello = [&wg] {
      struct Done {
        gocxx::sync::WaitGroup& wg;
        ~Done() { wg.done(); }  // defer wg.Done()
      } done{wg};
      std::printf("hello\n");
    };
    wg.add(1);
    gocxx::go(sayHello);
    wg.wait();  // join point
    if (verbose) std::printf("joined\n");
  });
}
