// E58 or-channel: any number of done channels combined into one, closed as soon as
// any of them closes (patterns::or_channel: one goroutine waits on all of them, so
// none is left behind once it fires). Five signals close after 2 h, 5 min, 1 s,
// 1 h and 1 min; the combination closes after about a second:
//   done after 1.00...s
// Time is scaled down a hundredfold (the first signal after 10 ms); --full runs
// the tutorial's times. The signals still sleeping do not keep the program alive.
#include <chrono>
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour_flags.hpp"

using namespace std::chrono_literals;
using namespace gocxx;

int main(int argc, char** argv) {
  bool full = false;
  if (!tour::parse_flags(argc, argv, {{"--full", nullptr, &full}}, "[--full]")) return 2;
  long scale = full ? 1 : 100;
  return run([scale] {
    auto sig = [scale](time::Duration after) {
      Chan<> c = make_chan<>();
      go([c, after, scale] {
        time::sleep(after / scale);
        c.close();
      });
      return RecvChan<>(c);
    };
    auto start = time::now();
    patterns::or_channel(sig(2h), sig(5min), sig(1s), sig(1h), sig(1min)).recv();
    std::printf("done after %s\n", time::to_string(time::since(start)).c_str());
  });
}
