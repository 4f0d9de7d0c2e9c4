// E08 csp-notation: Hoare's CSP input/output commands map onto
// channel operations: `west?c` is a receive, `east!c` a send, and
// `*[c:character; west?c -> east!c]` copies every character until west terminates.
#include <cstdio>
#include <string>
#include <utility>

#include "gocxx/gocxx.hpp"

int main() {
  return gocxx::run([] {
    // *[c:character; west?c -> east!c]: for c := range west { east <- c }; close(east)
    auto west = gocxx::make_chan<char>();
    auto east = gocxx::make_chan<char>();
    gocxx::go(
        [](gocxx::RecvChan<char> in, gocxx::SendChan<char> out) {
          for (char c : in) out.send(c);
          out.close();
        },
        west, east);
    gocxx::go([west] {
      for (char c : std::string("hello")) west.send(c);
      west.close();  // the west process terminates
    });
    std::string copied;
    for (char c : east) copied += c;  // ends only once east is closed
    std::printf("east: %s (closed)\n", copied.c_str());

    // DIV!(3*a+b, 13) ... X?(x, y): a pair travels as one value.
    auto div = gocxx::make_chan<std::pair<int, int>>();
    int a = 5, b = 4;
    gocxx::go([div, a, b] { div.send({3 * a + b, 13}); });
    auto [x, y] = *div.recv();
    std::printf("DIV?(x, y): x=%d y=%d\n", x, y);
  });
}
