// E62 generator-repeat-take: generators. repeat cycles through its values for
// ever; take forwards the first n. Taking 10 of repeat(1) prints
//   1 1 1 1 1 1 1 1 1 1
// (each followed by a space, as the tutorial's Printf("%v ") prints them). Closing
// done afterwards ends repeat's goroutine, which take left waiting.
#include <cstdio>

#include "gocxx/gocxx.hpp"

using namespace gocxx;

int main() {
  return run([] {
    Chan<> done = make_chan<>();
    for (int num : patterns::take(done, patterns::repeat(done, 1), 10)) std::printf("%d ", num);
    done.close();
  });
}
