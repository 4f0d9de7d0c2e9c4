// E83 fib-channels: recursive Fibonacci where every call is a
// goroutine that returns its result on a channel; the numbered comments are the
// blocking points of the tutorial's scheduling walkthrough (E84, E85).
// Usage: tour_E83 [n] (default 4).
#include <cstdio>
#include <cstdlib>

#include "gocxx/gocxx.hpp"

namespace {

gocxx::RecvChan<int> fib(int n) {
  auto result = gocxx::make_chan<int>();
  gocxx::go([n, result] {
    struct Close {
      gocxx::Chan<int> c;
      ~Close() { c.close(); }  // defer close(result)
    } deferred{result};
    if (n <= 2) {
      result.send(1);  // blocking point 2
      return;
    }
    // result <- <-fib(n-1) + <-fib(n-2), in Go's left-to-right order (C++ leaves the
    // order of a + b unspecified): each call runs first, then its receive blocks.
    int a = *fib(n - 1).recv();  // blocking point 3
    int b = *fib(n - 2).recv();  // blocking point 4
    result.send(a + b);          // blocking point 5
  });
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 4;
  return gocxx::run([n] {
    std::printf("fib(%d) = %d", n, *fib(n).recv());  // blocking point 1
  });
}
