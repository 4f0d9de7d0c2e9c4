// E75 heartbeat-per-work-unit: a pulse at the start of each
// unit of work: a non-blocking send into a heartbeat channel with a buffer of one
// (dropped while the last pulse has not been taken), then the result.
//
// The tutorial calls doWork(done) without numbers, so the loop runs zero times, both
// channels close at once and nothing is printed. This port passes 0..9 (as the book
// does) and prints `pulse` and `results N` lines; `--verbatim` makes the tutorial's call.
// Usage: tour_E75 [--verbatim]
#include <any>
#include <cstdio>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "gocxx/gocxx.hpp"

namespace {

std::pair<gocxx::RecvChan<std::any>, gocxx::RecvChan<int>> doWork(
    const gocxx::RecvChan<std::any>& done, const std::vector<int>& nums) {
  auto heartbeatStream = gocxx::make_chan<std::any>(1);
  auto workStream = gocxx::make_chan<int>();
  gocxx::go([=] {
    struct DeferClose {  // defer close(heartbeatStream); defer close(workStream)
      gocxx::Chan<std::any> heartbeat;
      gocxx::Chan<int> work;
      ~DeferClose() {
        work.close();
        heartbeat.close();
      }
    } deferred{heartbeatStream, workStream};
    for (int n : nums) {
      // A pulse before each unit of work (if the last one has been taken).
      gocxx::select(gocxx::send(heartbeatStream, std::any(gocxx::Unit{})), gocxx::default_case());
      if (gocxx::select(gocxx::recv(done), gocxx::send(workStream, n)) == 0) return;
    }
  });
  return {heartbeatStream, workStream};
}

}  // namespace

int main(int argc, char** argv) {
  bool verbatim = argc > 1 && std::strcmp(argv[1], "--verbatim") == 0;
  return gocxx::run([verbatim] {
    auto done = gocxx::make_chan<std::any>();
    struct DeferClose {  // defer close(done)
      gocxx::Chan<std::any> c;
      ~DeferClose() { c.close(); }
    } deferred{done};
    std::vector<int> nums;
    if (!verbatim) nums = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    auto [heartbeat, results] = doWork(done, nums);
    for (;;) {
      std::optional<std::any> beat;
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
