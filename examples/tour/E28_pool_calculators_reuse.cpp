// E28 pool-calculators-reuse: a Pool of 1KB buffers, seeded with
// four ("Seed the pool with 4KB"); 1024*1024 goroutines each Get a buffer and Put it
// back. Buffers are handed from goroutine to goroutine, so only a handful are ever
// created: prints `<n> calculators were created.` (no newline, as in the tutorial).
// (The tutorial's `numCalcsCreated += 1` in New races with itself, since New may run in
// many goroutines at once; here the counter is atomic.)
// Usage: tour_E28 [--workers N]   (default 1024*1024)
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "gocxx/gocxx.hpp"

using Buffer = std::unique_ptr<std::array<std::byte, 1024>>;  // *[]byte of 1024 bytes

int main(int argc, char** argv) {
  long numWorkers = 1024 * 1024;
  for (int i = 1; i < argc; i++) {
    if (std::strcmp(argv[i], "--workers") == 0 && i + 1 < argc && std::atol(argv[i + 1]) > 0 &&
        std::atol(argv[i + 1]) <= (1L << 30)) {
      numWorkers = std::atol(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--workers N]\n", argv[0]);
      return 2;
    }
  }
  return gocxx::run([numWorkers] {
    std::atomic<long> numCalcsCreated{0};
    auto New = [&numCalcsCreated] {
      numCalcsCreated++;
      return std::make_unique<std::array<std::byte, 1024>>();
    };
    gocxx::sync::Pool<Buffer> calcPool(New);
    // Seed the pool with 4KB
    calcPool.put(New());
    calcPool.put(New());
    calcPool.put(New());
    calcPool.put(New());
    gocxx::sync::WaitGroup wg;
    wg.add(static_cast<int>(numWorkers));
    for (long i = numWorkers; i > 0; i--) {
      gocxx::go([&] {
        Buffer mem = calcPool.get();
        // Assume something interesting, but quick is being done with this memory.
        calcPool.put(std::move(mem));  // defer calcPool.Put(mem)
        wg.done();                     // defer wg.Done()
      });
    }
    wg.wait();
    std::printf("%ld calculators were created.", numCalcsCreated.load());
  });
}
