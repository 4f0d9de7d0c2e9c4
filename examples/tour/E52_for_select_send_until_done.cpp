// E52 for-select-send-until-done: the for-select loop that sends until it is done,
// or stops early when done is closed (patterns::send_or_done is this loop's body).
// With a reader and done open, the reader gets a, b and c; with done already
// closed and no reader, the sender returns at once without sending.
#include <cstdio>
#include <string>

#include "gocxx/gocxx.hpp"

using namespace gocxx;

namespace {

// Returns how many it sent.
int send_strings(RecvChan<> done, SendChan<std::string> string_stream) {
  int sent = 0;
  for (const char* s : {"a", "b", "c"}) {
    if (select(recv(done), send(string_stream, std::string(s))) == 0) return sent;
    sent++;
  }
  return sent;
}

}  // namespace

int main() {
  return run([] {
    Chan<> done = make_chan<>();
    Chan<std::string> strings = make_chan<std::string>();
    go([done, strings] {
      send_strings(done, strings);
      strings.close();
    });
    for (const std::string& s : strings) std::printf("%s\n", s.c_str());

    done.close();  // nobody reads this time
    std::printf("sent %d with done closed\n", send_strings(done, make_chan<std::string>()));
  });
}
