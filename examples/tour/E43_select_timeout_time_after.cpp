// E43 select-timeout-time-after: receiving from a nil channel
// never proceeds, so the time.After case times the select out after 1s.
// Usage: tour_E43 [--scale N] [--elapsed]
//   --scale N   divides every duration by N
//   --elapsed   then prints the time main took, as `elapsed <Go duration>`
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "gocxx/gocxx.hpp"
#include "tour_flags.hpp"

using namespace std::chrono_literals;

int main(int argc, char** argv) {
  long scale = 1;
  bool elapsed = false;
  if (!tour::parse_flags(argc, argv, {{"--scale", &scale}, {"--elapsed", nullptr, &elapsed}},
                         "[--scale N] [--elapsed]"))
    return 2;
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
