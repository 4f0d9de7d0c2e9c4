// E47 gomaxprocs-set-numcpu: runtime.GOMAXPROCS(n) sets how
// many processors run goroutines at once, usually runtime.NumCPU() (the default);
// it returns the previous setting.
#include <cstdio>

#include "gocxx/gocxx.hpp"

int main() {
  return gocxx::run([] {
    namespace runtime = gocxx::runtime;
    std::printf("runtime.NumCPU() = %d\n", runtime::num_cpu());
    std::printf("runtime.GOMAXPROCS(0) = %d\n", runtime::gomaxprocs(0));  // the default
    std::printf("runtime.GOMAXPROCS(runtime.NumCPU()) = %d\n",
                runtime::gomaxprocs(runtime::num_cpu()));  // returns the previous setting
    std::printf("runtime.GOMAXPROCS(1) = %d\n", runtime::gomaxprocs(1));
    std::printf("runtime.GOMAXPROCS(2) = %d\n", runtime::gomaxprocs(2));
    std::printf("runtime.GOMAXPROCS(0) = %d\n", runtime::gomaxprocs(0));
  });
}
