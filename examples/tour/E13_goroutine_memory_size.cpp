// E13 goroutine-memory-size: the memory one goroutine costs,
// measured with 10 000 goroutines blocked forever on a nil channel (Go: about 2.5KB).
// Go reads runtime.MemStats.Sys; gocxx has no GC or heap statistics, so this port
// reads the process's resident set (VmRSS in /proc/self/status). main returns with
// the 10 000 goroutines still blocked; the program ends normally anyway.
// Usage: tour_E13 [N] (default 10 000 goroutines).
#include <any>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "gocxx/gocxx.hpp"

namespace {

std::uint64_t memConsumed() {  // resident bytes
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;  // kB
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const int numGoroutines = argc > 1 ? std::atoi(argv[1]) : 10'000;  // 1e4
  return gocxx::run([numGoroutines] {
    gocxx::RecvChan<std::any> c;  // nil: receiving blocks forever
    gocxx::sync::WaitGroup wg;
    auto noop = [&wg, c] {
      wg.done();
      c.recv();
    };
    wg.add(numGoroutines);
    std::uint64_t before = memConsumed();
    for (int i = numGoroutines; i > 0; i--) gocxx::go(noop);
    wg.wait();
    std::uint64_t after = memConsumed();
    std::printf("%.3fKB", static_cast<double>(after - before) / numGoroutines / 1024);
  });
}
