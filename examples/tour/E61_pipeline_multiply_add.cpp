// E61 pipeline-multiply-add: stages joined by channels, each in its own goroutine
// and each stopped by done: generator(1, 2, 3, 4), multiply by 2, add 1, multiply
// by 2. Prints 6, 10, 14 and 18, one a line. The stages are patterns::generator
// and patterns::map; closing done when main is finished ends them all.
#include <cstdio>

#include "gocxx/gocxx.hpp"

using namespace gocxx;

int main() {
  return run([] {
    Chan<> done = make_chan<>();
    auto multiply = [&done](RecvChan<int> in, int multiplier) {
      return patterns::map(done, in, [multiplier](int i) { return i * multiplier; });
    };
    auto add = [&done](RecvChan<int> in, int additive) {
      return patterns::map(done, in, [additive](int i) { return i + additive; });
    };
    RecvChan<int> int_stream = patterns::generator(done, 1, 2, 3, 4);
    RecvChan<int> pipeline = multiply(add(multiply(int_stream, 2), 1), 2);
    for (int v : pipeline) std::printf("%d\n", v);
    done.close();
  });
}
