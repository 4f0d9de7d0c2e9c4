// B11: the tutorial's calcPool example (E28). A sync::Pool of 1 KiB buffers whose
// factory counts the buffers it makes is seeded with 4 buffers; then 1,048,576
// goroutines each get a buffer and put it back; main waits for all of them. P=2.
// Figures: total ms (seeding, spawning and waiting) and buffers created (the 4
// initial buffers included, as the tutorial's counter counts them).
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "bench_util.hpp"
#include "gocxx/gocxx.hpp"

using namespace gocxx;

int main() {
  constexpr int kWorkers = 1024 * 1024;
  constexpr std::size_t kBufferSize = 1024;
  runtime::gomaxprocs(2);
  double elapsed = 0;
  long created = 0;
  run([&] {
    std::atomic<long> made{0};  // the tutorial's numCalcsCreated, made race-free
    auto t0 = bench::Clock::now();
    auto make_buffer = [&made] {
      made.fetch_add(1, std::memory_order_relaxed);
      return std::vector<char>(kBufferSize);
    };
    sync::Pool<std::vector<char>> calc_pool(make_buffer);
    for (int i = 0; i < 4; ++i) calc_pool.put(make_buffer());  // "Seed the pool with 4KB"
    sync::WaitGroup wg;
    wg.add(kWorkers);
    for (int i = kWorkers; i > 0; --i) {
      go([&wg, &calc_pool] {
        std::vector<char> mem = calc_pool.get();
        if (mem.size() != kBufferSize) std::abort();
        calc_pool.put(std::move(mem));
        wg.done();
      });
    }
    wg.wait();
    elapsed = bench::seconds_since(t0);
    created = made.load();
  });
  if (created < 4) {
    std::fprintf(stderr, "B11: %ld buffers created, want at least the 4 initial buffers\n",
                 created);
    return 1;
  }
  bench::result("B11_pool_total", elapsed * 1e3, "ms");
  bench::result("B11_pool_created", static_cast<double>(created), "buffers");
}
