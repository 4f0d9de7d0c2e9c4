// E38 nil-and-closed-channel-errors: receiving from or sending
// to a nil channel blocks forever; closing a nil channel, closing a closed channel
// and sending on a closed channel panic; a receiver cannot close a `<-chan`.
//
// Usage: tour_E38 MODE, MODE one of
//   close-nil     close(nilChannel)         -> panic: close of nil channel, exit 2
//   close-closed  close twice               -> panic: close of closed channel, exit 2
//   send-closed   send after close          -> panic: send on closed channel, exit 2
//   recv-nil      a goroutine blocks forever in <-nilChannel while main goes on, exit 0
//   send-nil      a goroutine blocks forever in nilChannel <- v while main goes on, exit 0
// (Alone in main, a nil receive or send is Go's "all goroutines are asleep" deadlock;
// gocxx has no deadlock detector yet, so those two run in a goroutine here.)
#include <any>
#include <cstdio>
#include <cstring>
#include <string>

#include "gocxx/gocxx.hpp"

namespace {

// "the receiver cannot close the channel (compile error)": `<-chan` has no close.
template <class C>
concept CanClose = requires(C c) {
  c.close();
};
template <class C>
concept CanSend = requires(C c, typename C::value_type v) {
  c.send(std::move(v));
};
static_assert(!CanClose<gocxx::RecvChan<std::any>>, "a receive-only channel cannot be closed");
static_assert(!CanSend<gocxx::RecvChan<std::any>>, "a receive-only channel cannot be sent to");
static_assert(CanClose<gocxx::Chan<std::any>> && CanClose<gocxx::SendChan<std::any>>);

// Yields until some goroutine is blocked in the given state (as runtime.Stack shows it).
void wait_for_goroutine_in(const std::string& state) {
  while (gocxx::runtime::stack(true).find("[" + state + "]") == std::string::npos) {
    gocxx::runtime::gosched();
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode != "close-nil" && mode != "close-closed" && mode != "send-closed" &&
      mode != "recv-nil" && mode != "send-nil") {
    std::fprintf(stderr, "usage: %s close-nil|close-closed|send-closed|recv-nil|send-nil\n",
                 argv[0]);
    return 64;
  }
  return gocxx::run([&mode] {
    gocxx::Chan<std::any> dataStream;  // var dataStream chan interface{}: nil
    if (mode == "close-nil") {
      dataStream.close();  // panic: close of nil channel
    } else if (mode == "close-closed") {
      dataStream = gocxx::make_chan<std::any>();
      dataStream.close();
      dataStream.close();  // panic: close of closed channel
    } else if (mode == "send-closed") {
      dataStream = gocxx::make_chan<std::any>(1);
      dataStream.close();
      dataStream.send(gocxx::Unit{});  // panic: send on closed channel
    } else {                           // recv-nil, send-nil
      bool recv = mode == "recv-nil";
      gocxx::go([dataStream, recv] {
        if (recv) {
          dataStream.recv();  // blocks forever
        } else {
          dataStream.send(gocxx::Unit{});  // blocks forever
        }
        std::printf("unreachable\n");
      });
      std::string state = recv ? "chan receive (nil chan)" : "chan send (nil chan)";
      wait_for_goroutine_in(state);
      std::printf("a goroutine is blocked forever: [%s]\n", state.c_str());
      std::printf("main goes on and returns\n");
    }
  });
}
