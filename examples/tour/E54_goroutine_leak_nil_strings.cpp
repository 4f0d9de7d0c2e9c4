// E54 goroutine-leak-nil-strings: the one who starts a goroutine must make sure it
// ends. do_work(nil) ranges over a nil channel, so its goroutine blocks for ever
// and nobody cleans it up: "doWork exited." is never printed, only "Done.". The
// goroutine stays blocked until the process exits (as in Go, main's return ends
// the program whatever other goroutines do).
#include <cstdio>
#include <string>

#include "gocxx/gocxx.hpp"

using namespace gocxx;

namespace {

RecvChan<> do_work(RecvChan<std::string> strings) {
  Chan<> completed = make_chan<>();
  go([strings, completed] {
    for (const std::string& s : strings) std::printf("%s\n", s.c_str());  // never: nil
    completed.close();
    std::printf("doWork exited.\n");
  });
  return completed;
}

}  // namespace

int main() {
  return run([] {
    do_work(RecvChan<std::string>());  // a nil channel
    // Perhaps more work is done here.
    std::printf("Done.\n");
  });
}
