// E68 tee: every value read from in goes to both outputs (in whichever order their
// readers are ready) before the next is read. Taking 4 of repeat(1, 2) through a
// tee prints
//   out1: 1, out2: 1
//   out1: 2, out2: 2
//   out1: 1, out2: 1
//   out1: 2, out2: 2
#include <cstdio>

#include "gocxx/gocxx.hpp"

using namespace gocxx;

int main() {
  return run([] {
    Chan<> done = make_chan<>();
    auto [out1, out2] = patterns::tee(done, patterns::take(done, patterns::repeat(done, 1, 2), 4));
    for (int val1 : out1) std::printf("out1: %d, out2: %d\n", val1, *out2.recv());
    done.close();
  });
}
