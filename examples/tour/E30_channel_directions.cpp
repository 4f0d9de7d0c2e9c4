// E30 channel-directions: a bidirectional channel converts
// implicitly to a receive-only (`<-chan T`) and a send-only (`chan<- T`) one; the
// views are for parameters and results. Misuse of a view does not compile.
#include <any>
#include <cstdio>
#include <string>
#include <type_traits>

#include "gocxx/gocxx.hpp"

namespace {

template <class C>
concept CanSend = requires(C c, typename C::value_type v) {
  c.send(std::move(v));
};
template <class C>
concept CanRecv = requires(C c) {
  c.recv();
};
template <class C>
concept CanClose = requires(C c) {
  c.close();
};
template <class C>
concept CanSelectRecv = requires(C c) {
  gocxx::recv(c);
};
template <class C>
concept CanSelectSend = requires(C c, typename C::value_type v) {
  gocxx::send(c, std::move(v));
};

using Any = std::any;  // interface{}
static_assert(CanSend<gocxx::Chan<Any>> && CanRecv<gocxx::Chan<Any>> && CanClose<gocxx::Chan<Any>>);
// <-chan T: receive only.
static_assert(CanRecv<gocxx::RecvChan<Any>> && CanSelectRecv<gocxx::RecvChan<Any>>);
static_assert(!CanSend<gocxx::RecvChan<Any>> && !CanSelectSend<gocxx::RecvChan<Any>>);
static_assert(!CanClose<gocxx::RecvChan<Any>>);
// chan<- T: send (and close) only.
static_assert(CanSend<gocxx::SendChan<Any>> && CanClose<gocxx::SendChan<Any>>);
static_assert(!CanRecv<gocxx::SendChan<Any>> && !CanSelectRecv<gocxx::SendChan<Any>>);
// chan T -> <-chan T and chan<- T implicitly; never back, never sideways.
static_assert(std::is_convertible_v<gocxx::Chan<Any>, gocxx::RecvChan<Any>>);
static_assert(std::is_convertible_v<gocxx::Chan<Any>, gocxx::SendChan<Any>>);
static_assert(!std::is_convertible_v<gocxx::RecvChan<Any>, gocxx::Chan<Any>>);
static_assert(!std::is_convertible_v<gocxx::SendChan<Any>, gocxx::Chan<Any>>);
static_assert(!std::is_convertible_v<gocxx::RecvChan<Any>, gocxx::SendChan<Any>>);

}  // namespace

int main() {
  return gocxx::run([] {
    gocxx::RecvChan<Any> receiveChan;
    gocxx::SendChan<Any> sendChan;
    auto dataStream = gocxx::make_chan<Any>();
    // Valid statements:
    receiveChan = dataStream;
    sendChan = dataStream;

    gocxx::go([sendChan] { sendChan.send(std::string("sent through chan<-")); });
    Any v = *receiveChan.recv();
    std::printf("%s, received through <-chan\n", std::any_cast<std::string>(v).c_str());
  });
}
