// E43 select-timeout-time-after (seed lines 1088-1093): receiving from a nil channel
// never proceeds, so the time.After case times the select out after 1s.
// Usage: tour_E43 [--scale N] [--elapsed]
//   --scale N   divides every duration by N
//   --elapsed   then prints the time main took, as `elapsed <Go duration>`
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "gocxx/gocxx.hpp"

using namespace std::chrono_literals;

int main(int argc, char** argv) {
  long scale = 1;
  bool elapsed = false;
  for (int i = 1; i < argc; i++) {
    if (std::strcmp(argv[i], "--scale") == 0 && i + 1 < argc && std::atol(argv[i + 1]) > 0) {
      scale = std::atol(argv[++i]);
    } else if (std::strcmp(argv[i], "--elapsed") == 0) {
      elapsed = true;
    } else {
      std::fprintf(stderr, "usage: %s [--scale N] [--elapsed]\n", argv[0]);
      return 2;
    }
  }
  return gocxx::run([scale, elapsed] {
    auto start = gocxx::time::now();
    gocxx::RecvChan<int> c;        // var c <-chan int (nil)
    gocxx::select(gocxx::recv(c),  // reading a nil channel blocks forever
                  gocxx::recv(gocxx::time::after(gocxx::time::Duration(1s) / scale),
                              [](auto) { std::printf("Timed out.\n"); }));  // after 1s
    if (elapsed)
      std::printf("elapsed %s\n", gocxx::time::to_string(gocxx::time::since(start)).c_str());
  });
}
