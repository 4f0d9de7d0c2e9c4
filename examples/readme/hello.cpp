// The example in README.md (kept compiling here).
#include <gocxx/gocxx.hpp>

#include <cstdio>

using namespace gocxx;

RecvChan<int> fib(int n) {  // the tutorial's recursive fib: a goroutine per call
  auto result = make_chan<int>();
  go([n, result] {
    if (n <= 2) {
      result.send(1);
    } else {
      result.send(*fib(n - 1).recv() + *fib(n - 2).recv());
    }
    result.close();
  });
  return result;
}

int main() {
  return run([] {  // main() as goroutine 1
    std::printf("fib(20) = %d\n", *fib(20).recv());
    auto done = make_chan<>();
    auto ticks = make_chan<int>(8);
    go([=] {
      for (int i = 0; i < 3; ++i) ticks.send(i);
      ticks.close();
    });
    for (;;) {
      std::optional<int> v;
      switch (select(recv(ticks, v), recv(done))) {
        case 0:
          if (!v) return 0;
          std::printf("tick %d\n", *v);
          break;
        case 1:
          return 1;
      }
    }
  });
}
