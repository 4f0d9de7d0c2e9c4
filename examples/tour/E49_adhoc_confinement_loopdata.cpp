// E49 adhoc-confinement-loopdata: ad hoc confinement. By convention only
// loop_data touches `data`; main uses nothing but the values it receives. Nothing
// but the convention keeps it so. Prints 0 four times (the vector is zeroed).
#include <cstdio>
#include <vector>

#include "gocxx/gocxx.hpp"

using namespace gocxx;

int main() {
  return run([] {
    std::vector<int> data(4);
    auto loop_data = [&data](SendChan<int> handle_data) {
      for (int v : data) handle_data.send(v);
      handle_data.close();
    };
    Chan<int> handle_data = make_chan<int>();
    go(loop_data, handle_data);
    for (int num : handle_data) std::printf("%d\n", num);
  });
}
