// E51 lexical-confinement-printdata: each goroutine gets its own part of the data
// ("gol" and "ang" of "golang") and touches nothing outside its scope, so no
// synchronisation is needed. Prints the two halves, in either order.
#include <cstdio>
#include <span>
#include <string>

#include "gocxx/gocxx.hpp"

using namespace gocxx;

int main() {
  return run([] {
    auto print_data = [](sync::WaitGroup* wg, std::span<const char> data) {
      std::string buff;
      for (char b : data) buff += b;
      std::printf("%s\n", buff.c_str());
      wg->done();
    };
    sync::WaitGroup wg;
    wg.add(2);
    const std::string data = "golang";
    std::span<const char> bytes(data);
    go(print_data, &wg, bytes.first(3));
    go(print_data, &wg, bytes.subspan(3));
    wg.wait();
  });
}
