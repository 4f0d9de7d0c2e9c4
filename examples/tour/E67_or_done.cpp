// E67 or-done: "read from c until c closes or done closes", wrapped in a channel
// (patterns::or_done), so that a plain range-for does it. Three cases:
//   1 2 3 4 5          c yields 1..5 and closes: all of them, then the loop ends
//   done: 0 values     c never sends; done is closed: the loop ends at once
//   done: loop ended   done closes while values keep coming: the loop ends
#include <cstdio>

#include "gocxx/gocxx.hpp"

using namespace gocxx;

int main() {
  return run([] {
    Chan<> never_done = make_chan<>();
    for (int val : patterns::or_done(never_done, patterns::generator(never_done, 1, 2, 3, 4, 5)))
      std::printf("%d ", val);
    std::printf("\n");

    Chan<> done = make_chan<>();
    Chan<int> silent = make_chan<int>();  // never sends, never closes
    go([done] { done.close(); });
    int n = 0;
    for ([[maybe_unused]] int val : patterns::or_done(done, silent)) n++;
    std::printf("done: %d values\n", n);

    Chan<> stop = make_chan<>();
    n = 0;
    for ([[maybe_unused]] int val : patterns::or_done(stop, patterns::repeat(never_done, 7))) {
      // After the first value. A value or two more may still come: or_done's select
      // may take a ready send over the closed done (Go's random choice).
      if (++n == 1) stop.close();
    }
    std::printf("done: loop ended\n");
    never_done.close();
  });
}
