// E41 select-block-until-close: a select whose only case is a
// receive blocks until the channel is closed, 5s later; time.Since gives the wait in
// Go's Duration format (e.g. 5.0004s).
// Usage: tour_E41 [--scale N]   (--scale divides every duration by N)
#include <any>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "gocxx/gocxx.hpp"
#include "tour_flags.hpp"

using namespace std::chrono_literals;

int main(int argc, char** argv) {
  long scale = 1;
  if (!tour::parse_flags(argc, argv, {{"--scale", &scale}}, "[--scale N]")) return 2;
  return gocxx::run([scale] {
    auto start = gocxx::time::now();
    auto c = gocxx::make_chan<std::any>();
    gocxx::go([c, scale] {
      gocxx::time::sleep(gocxx::time::Duration(5s) / scale);
      c.close();
    });
    std::printf("Blocking on read...\n");
    switch (gocxx::select(gocxx::recv(c))) {
      case 0:
        std::printf("Unblocked %s later.\n",
                    gocxx::time::to_string(gocxx::time::since(start)).c_str());
        break;
    }
  });
}
