// E69 bridge: a channel of channels is an ordered sequence of streams; bridge
// flattens it into one stream, in order. gen_vals sends ten one-value streams;
// bridging them with a never-stopped Done (the tutorial's nil done) prints
//   0 1 2 3 4 5 6 7 8 9
// (each followed by a space).
#include <cstdio>

#include "gocxx/gocxx.hpp"

using namespace gocxx;

namespace {

RecvChan<RecvChan<int>> gen_vals() {
  Chan<RecvChan<int>> chan_stream = make_chan<RecvChan<int>>();
  go([chan_stream] {
    for (int i = 0; i < 10; i++) {
      Chan<int> stream = make_chan<int>(1);
      chan_stream.send(stream);
      stream.send(i);
      stream.close();
    }
    chan_stream.close();
  });
  return chan_stream;
}

}  // namespace

int main() {
  return run([] {
    for (int v : patterns::bridge(patterns::Done(), gen_vals())) std::printf("%d ", v);
  });
}
