// E48 gomaxprocs-query: runtime.GOMAXPROCS(0) returns the
// current setting without changing it.
#include <cstdio>

#include "gocxx/gocxx.hpp"

int main() {
  return gocxx::run([] {
    namespace runtime = gocxx::runtime;
    int numCPU = runtime::gomaxprocs(0);  // var numCPU = runtime.GOMAXPROCS(0)
    std::printf("numCPU = runtime.GOMAXPROCS(0) = %d\n", numCPU);
    std::printf("runtime.GOMAXPROCS(0) = %d\n", runtime::gomaxprocs(0));
    std::printf("runtime.GOMAXPROCS(3) = %d\n", runtime::gomaxprocs(3));
    std::printf("runtime.GOMAXPROCS(0) = %d\n", runtime::gomaxprocs(0));
    std::printf("runtime.GOMAXPROCS(0) = %d\n", runtime::gomaxprocs(0));
  });
}
