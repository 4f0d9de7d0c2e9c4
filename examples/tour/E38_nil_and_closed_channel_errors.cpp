// E38 nil-and-closed-channel-errors: receiving from or sending
// to a nil channel blocks forever; closing a nil channel, closing a closed channel
// and sending on a closed channel panic; a receiver cannot close a `<-chan`.
//
// Usage: tour_E38 MODE, MODE one of
//   close-nil     close(nilChannel)         -> panic: close of nil channel, exit 2
//   close-closed  close twice               -> panic: close of closed channel, exit 2
//   send-closed   send after close          -> panic: send on closed channel, exit 2
//   recv-nil      main blocks forever in <-nilChannel   -> fatal error: all goroutines
//                 are asleep - deadlock!, main's traceback in [chan receive (nil chan)], exit 2
//   send-nil      main blocks forever in nilChannel <- v -> the same, [chan send (nil chan)]
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
    } else if (mode == "recv-nil") {
      dataStream.recv();  // blocks forever: fatal error: all goroutines are asleep
    } else {
      dataStream.send(gocxx::Unit{});  // blocks forever: the same fatal error
    }
    std::printf("unreachable\n");
  });
}
