// E55 goroutine-cancel-with-done: the parent hands do_work a done channel and
// closes it after a second; do_work's select sees it, returns and closes
// `terminated`, which the parent waits on. Prints, in this order:
//   Canceling doWork goroutine...
//   doWork exited.
//   Done.
// Time is scaled down a hundredfold (10 ms); --full waits the tutorial's second.
#include <chrono>
#include <cstdio>
#include <string>

#include "gocxx/gocxx.hpp"
#include "tour_flags.hpp"

using namespace std::chrono_literals;
using namespace gocxx;

namespace {

RecvChan<> do_work(RecvChan<> done, RecvChan<std::string> strings) {
  Chan<> terminated = make_chan<>();
  go([done, strings, terminated] {
    for (bool running = true; running;) {
      std::optional<std::string> s;
      switch (select(recv(strings, s), recv(done))) {
        case 0:
          std::printf("%s\n", s->c_str());  // do something interesting
          break;
        case 1:
          running = false;
          break;
      }
    }
    std::printf("doWork exited.\n");
    terminated.close();
  });
  return terminated;
}

}  // namespace

int main(int argc, char** argv) {
  bool full = false;
  bool elapsed = false;
  if (!tour::parse_flags(argc, argv, {{"--full", nullptr, &full}, {"--elapsed", nullptr, &elapsed}},
                         "[--full] [--elapsed]"))
    return 2;
  time::Duration after = full ? time::Duration(1s) : time::Duration(10ms);
  return run([after, elapsed] {
    auto start = time::now();
    Chan<> done = make_chan<>();
    RecvChan<> terminated = do_work(done, RecvChan<std::string>());
    go([done, after] {
      time::sleep(after);  // cancel the operation after a second
      std::printf("Canceling doWork goroutine...\n");
      done.close();
    });
    terminated.recv();
    std::printf("Done.\n");
    if (elapsed) std::printf("elapsed %s\n", time::to_string(time::since(start)).c_str());
  });
}
