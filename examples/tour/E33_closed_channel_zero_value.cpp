// E33 closed-channel-zero-value: a closed channel can be read
// again and again; each read yields the zero value and ok == false.
// Usage: tour_E33 [N]: with N, N more receives follow and are checked.
#include <cstdio>
#include <cstdlib>

#include "gocxx/gocxx.hpp"

int main(int argc, char** argv) {
  long more = argc > 1 ? std::atol(argv[1]) : 0;
  return gocxx::run([more] {
    auto intStream = gocxx::make_chan<int>();
    intStream.close();
    std::optional<int> v = intStream.recv();  // integer, ok := <-intStream: 0 and false
    int integer = v.value_or(0);
    bool ok = v.has_value();
    std::printf("(%s): %d", ok ? "true" : "false", integer);
    if (more > 0) {
      long zero_false = 0;
      for (long i = 0; i < more; i++) {
        std::optional<int> w = intStream.recv();
        if (!w.has_value() && w.value_or(0) == 0) zero_false++;
      }
      std::printf("\n%ld more receives: %ld gave (false): 0\n", more, zero_false);
    }
  });
}
