// E40 select-syntax: select glues channels together; each
// case is a communication (receive from c1 or c2, send to c3) and only a case that
// can proceed runs. As written all three channels are nil, so it blocks forever.
#include <any>
#include <cstdio>
#include <string>

#include "gocxx/gocxx.hpp"

namespace {

using Any = std::any;  // interface{}
const char* const kBranch[] = {"<-c1", "<-c2", "c3 <- struct{}{}"};

int select3(gocxx::RecvChan<Any> c1, gocxx::RecvChan<Any> c2, gocxx::SendChan<Any> c3) {
  return gocxx::select(gocxx::recv(c1),                       // case <-c1: Do something
                       gocxx::recv(c2),                       // case <-c2: Do something
                       gocxx::send(c3, Any(gocxx::Unit{})));  // case c3 <- struct{}{}
}

}  // namespace

int main() {
  return gocxx::run([] {
    // As written: var c1, c2 <-chan interface{}; var c3 chan<- interface{} (all nil).
    gocxx::go([] {
      gocxx::RecvChan<Any> c1, c2;
      gocxx::SendChan<Any> c3;
      select3(c1, c2, c3);  // blocks forever
      std::printf("unreachable\n");
    });
    while (gocxx::runtime::stack(true).find("[select]") == std::string::npos) {
      gocxx::runtime::gosched();
    }
    std::printf("all nil: the select blocks forever\n");

    // Only c2 has a value.
    auto c1 = gocxx::make_chan<Any>(), c2 = gocxx::make_chan<Any>(1), c3 = gocxx::make_chan<Any>();
    c2.send(Any(std::string("v")));
    std::printf("only c2 ready: case %s\n", kBranch[select3(c1, c2, c3)]);

    // Only c3 has a receiver.
    auto got = gocxx::make_chan<bool>(1);
    gocxx::go([c3, got] { got.send(c3.recv().has_value()); });
    int i = select3(c1, c2, c3);
    std::printf("only c3 has a receiver: case %s, received: %s\n", kBranch[i],
                *got.recv() ? "true" : "false");
  });
}
