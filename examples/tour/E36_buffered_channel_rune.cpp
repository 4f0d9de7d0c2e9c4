// E36 buffered-channel-rune: sends on a buffered channel (cap 4)
// do not block until the buffer is full; the fifth send ('E') blocks until main's
// receive takes 'A' (FIFO) and wakes it.
#include <atomic>
#include <cstdio>
#include <string>

#include "gocxx/gocxx.hpp"

namespace {

// Yields until pred() holds (no sleeping: the goroutines make progress meanwhile).
template <class Pred>
void wait_until(Pred pred) {
  while (!pred()) gocxx::runtime::gosched();
}

bool some_goroutine_is(const char* state) {
  return gocxx::runtime::stack(true).find(state) != std::string::npos;
}

}  // namespace

int main() {
  return gocxx::run([] {
    auto c = gocxx::make_chan<char32_t>(4);
    std::atomic<bool> sentE{false};
    gocxx::go([c, &sentE] {
      c.send(U'A');
      c.send(U'B');
      c.send(U'C');
      c.send(U'D');
      c.send(U'E');  // may block
      sentE.store(true);
    });
    // Without a receiver: four sends complete, the sender waits on 'E'.
    wait_until([&] { return c.len() == 4 && some_goroutine_is("[chan send]"); });
    std::printf("buffer %lld/%lld, 'E' sent: %s\n", static_cast<long long>(c.len()),
                static_cast<long long>(c.cap()), sentE.load() ? "yes" : "no");
    char32_t r = *c.recv();  // reads 'A' and wakes the blocked sender
    std::printf("received '%c'\n", static_cast<char>(r));
    wait_until([&] { return sentE.load(); });
    std::string rest;
    for (int i = 0; i < 4; i++) rest += static_cast<char>(*c.recv());
    std::printf("'E' sent: yes, buffer held %s\n", rest.c_str());
  });
}
