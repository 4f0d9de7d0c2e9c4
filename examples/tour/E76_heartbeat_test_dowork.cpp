// E76 heartbeat-test-dowork: heartbeats make a test
// deterministic. DoWork sleeps 2s (a simulated start-up delay), then, for each
// number, pulses every pulseInterval until the number has been sent (Go's
// `continue numLoop`). The test (main here) waits for the first heartbeat before it
// applies its 2s timeout per receive, so the start-up delay cannot make it time out.
// Prints results 0, 1, 2, 3, 5, then exits 0; a timeout prints Go's test failure
// and exits 1. The stage is written out rather than taken from
// patterns::heartbeat, whose pulses start at the call: this DoWork's start only
// after its start-up delay, which is what the test's first receive waits out. Its
// pulse is the library's (a send that drops the beat nobody takes).
// Usage: tour_E76 [--scale N] [--elapsed]
//   --scale N   divides every duration by N
//   --elapsed   then prints the time the test took, as `elapsed <Go duration>`
#include <any>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "tour_flags.hpp"

using namespace std::chrono_literals;
using gocxx::time::Duration;

namespace {

long scale = 1;  // --scale

std::pair<gocxx::RecvChan<>, gocxx::RecvChan<int>> DoWork(const gocxx::RecvChan<std::any>& done,
                                                          Duration pulseInterval,
                                                          const std::vector<int>& nums) {
  auto heartbeat = gocxx::make_chan<>(1);
  auto intStream = gocxx::make_chan<int>();
  gocxx::go([=] {
    struct DeferClose {  // defer close(heartbeat); defer close(intStream)
      gocxx::Chan<> heartbeat;
      gocxx::Chan<int> ints;
      ~DeferClose() {
        ints.close();
        heartbeat.close();
      }
    } deferred{heartbeat, intStream};
    gocxx::time::sleep(Duration(2s) / scale);
    auto pulse = gocxx::time::tick(pulseInterval);
    for (int n : nums) {  // numLoop:
      // Each unit blocks, pulsing, until its result is sent; then on to the next.
      for (bool sent = false; !sent;) {
        switch (gocxx::select(gocxx::recv(done), gocxx::recv(pulse), gocxx::send(intStream, n))) {
          case 0:
            return;
          case 1:
            gocxx::patterns::pulse(heartbeat);
            break;
          case 2:
            sent = true;  // continue numLoop: a result was sent, on to the next
            break;
        }
      }
    }
  });
  return {heartbeat, intStream};
}

// TestDoWork_GeneratesAllNumbers; false where the tutorial calls t.Fatal.
bool TestDoWork_GeneratesAllNumbers() {
  auto done = gocxx::make_chan<std::any>();
  struct DeferClose {  // defer close(done)
    gocxx::Chan<std::any> c;
    ~DeferClose() { c.close(); }
  } deferred{done};
  std::vector<int> intSlice{0, 1, 2, 3, 5};
  const Duration timeout = Duration(2s) / scale;
  auto [heartbeat, results] = DoWork(done, timeout / 2, intSlice);
  heartbeat.recv();  // wait for the first pulse
  for (;;) {         // receive pulses and results
    std::optional<int> r;
    switch (gocxx::select(gocxx::recv(results, r), gocxx::recv(heartbeat),
                          gocxx::recv(gocxx::time::after(timeout)))) {
      case 0:
        if (!r) return true;
        std::printf("results %d\n", *r);
        break;
      case 1:
        break;
      case 2:
        std::printf("--- FAIL: TestDoWork_GeneratesAllNumbers\n    test timed out\nFAIL\n");
        return false;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool elapsed = false;
  if (!tour::parse_flags(argc, argv, {{"--scale", &scale}, {"--elapsed", nullptr, &elapsed}},
                         "[--scale N] [--elapsed]"))
    return 2;
  return gocxx::run([elapsed] {
    auto start = gocxx::time::now();
    bool passed = TestDoWork_GeneratesAllNumbers();
    if (elapsed) {
      std::printf("elapsed %s\n", gocxx::time::to_string(gocxx::time::since(start)).c_str());
    }
    return passed ? 0 : 1;
  });
}
