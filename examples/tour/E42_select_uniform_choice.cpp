// E42 select-uniform-choice: when several cases are ready,
// select picks one at random, with roughly equal chances (a possible result:
// 505 and 495).
#include <any>
#include <cstdio>

#include "gocxx/gocxx.hpp"

int main() {
  return gocxx::run([] {
    auto c1 = gocxx::make_chan<std::any>();
    c1.close();
    auto c2 = gocxx::make_chan<std::any>();
    c2.close();
    int c1Count = 0, c2Count = 0;
    for (int i = 0; i < 1000; i++) {
      switch (gocxx::select(gocxx::recv(c1), gocxx::recv(c2))) {
        case 0:
          c1Count++;
          break;
        case 1:
          c2Count++;
          break;
      }
    }
    std::printf("c1Count: %d\nc2Count: %d\n", c1Count, c2Count);
  });
}
