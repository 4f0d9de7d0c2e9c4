// E80 multi-resource-limits: one API, several resources, a limiter each. Every
// call takes a token from the API's limiter (2 a second with depth 2, and at most
// 10 a minute) and from the resource it uses: ReadFile from the disk's (1 a
// second, one at a time), ResolveAddress from the network's (3 a second, up to 3
// at once). The MultiLimiters nest: a call waits on MultiLimiter(api, disk). So at
// most 10 calls finish in the first minute's first 6 s, reads are a second apart,
// and the 10-a-minute limit makes the twenty calls of E78's main take about 60 s.
//
// Time is scaled down twentyfold (about 3 s in all); --full runs the tutorial's
// times, --scale N divides them by N. Each line is log's `HH:MM:SS message` (UTC);
// --steady prints the time since the start instead.
#include <chrono>
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour_flags.hpp"
#include "tour_log.hpp"

using namespace std::chrono_literals;
using namespace gocxx;

namespace {

class APIConnection {
 public:
  explicit APIConnection(long scale)
      : api_second_(rate::per(2, time::Duration(1s) / scale), 2),
        api_minute_(rate::per(10, time::Duration(1min) / scale), 10),
        disk_(rate::per(1, time::Duration(1s) / scale), 1),
        network_(rate::per(3, time::Duration(1s) / scale), 3),
        api_limit_(api_second_, api_minute_),
        disk_limit_(disk_),
        network_limit_(network_) {}

  Error read_file(const context::Context& ctx) {
    // A token from every bucket of both.
    if (Error err = rate::MultiLimiter(api_limit_, disk_limit_).wait(ctx)) return err;
    // Pretend we do work here.
    return Error();
  }

  Error resolve_address(const context::Context& ctx) {
    if (Error err = rate::MultiLimiter(api_limit_, network_limit_).wait(ctx)) return err;
    // Pretend we do work here.
    return Error();
  }

 private:
  rate::Limiter api_second_, api_minute_, disk_, network_;
  rate::MultiLimiter api_limit_;      // 2 a second, but only 10 a minute
  rate::MultiLimiter disk_limit_;     // 1 a second, one at a time
  rate::MultiLimiter network_limit_;  // 3 a second, up to 3 at once
};

}  // namespace

int main(int argc, char** argv) {
  bool full = false;
  bool steady = false;
  long scale = 20;
  if (!tour::parse_flags(
          argc, argv,
          {{"--full", nullptr, &full}, {"--scale", &scale}, {"--steady", nullptr, &steady}},
          "[--full | --scale N] [--steady]"))
    return 2;
  if (full) scale = 1;
  return run([scale, steady] {
    tour::Log log(steady);
    APIConnection api(scale);
    sync::WaitGroup wg;
    for (int i = 0; i < 10; i++) {
      wg.go([&] {
        if (Error err = api.read_file(context::background())) {
          log.printf("cannot ReadFile: %s", err.message().c_str());
          return;
        }
        log.printf("ReadFile");
      });
    }
    for (int i = 0; i < 10; i++) {
      wg.go([&] {
        if (Error err = api.resolve_address(context::background())) {
          log.printf("cannot ResolveAddress: %s", err.message().c_str());
          return;
        }
        log.printf("ResolveAddress");
      });
    }
    wg.wait();
    log.printf("Done.");
  });
}
