// E75 heartbeat-per-work-unit: a pulse at the start of each
// unit of work: a non-blocking send into a heartbeat channel with a buffer of one
// (dropped while the last pulse has not been taken), then the result
// (patterns::heartbeat_per_value).
//
// The tutorial calls doWork(done) without numbers, so the loop runs zero times, both
// channels close at once and nothing is printed. This port passes 0..9 (as the book
// does) and prints `pulse` and `results N` lines; `--verbatim` makes the tutorial's call.
// Usage: tour_E75 [--verbatim]
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

#include "gocxx/gocxx.hpp"

namespace {

// The tutorial's doWork: patterns::heartbeat_per_value pulses before each result.
auto doWork(const gocxx::RecvChan<>& done, const std::vector<int>& nums) {
  return gocxx::patterns::heartbeat_per_value(done, gocxx::patterns::generator(done, nums));
}

}  // namespace

int main(int argc, char** argv) {
  bool verbatim = argc > 1 && std::strcmp(argv[1], "--verbatim") == 0;
  return gocxx::run([verbatim] {
    auto done = gocxx::make_chan<>();
    struct DeferClose {  // defer close(done)
      gocxx::Chan<> c;
      ~DeferClose() { c.close(); }
    } deferred{done};
    std::vector<int> nums;
    if (!verbatim) nums = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    auto [heartbeat, results] = doWork(done, nums);
    for (;;) {
      std::optional<gocxx::Unit> beat;
      std::optional<int> r;
      switch (gocxx::select(gocxx::recv(heartbeat, beat), gocxx::recv(results, r))) {
        case 0:
          if (!beat) return;
          std::printf("pulse\n");
          break;
        case 1:
          if (!r) return;
          std::printf("results %d\n", *r);
          break;
      }
    }
  });
}
