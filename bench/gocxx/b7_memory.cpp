// B7: N goroutines blocked receiving on one channel: RSS per goroutine, then the
// time to wake them all by closing it. N = 100,000 and 1,000,000; P=2.
#include <string>

#include "bench_util.hpp"
#include "gocxx/gocxx.hpp"

using namespace gocxx;

static void measure(long n, const std::string& tag) {
  run([&] {
    auto gate = make_chan<>();
    sync::WaitGroup started;
    sync::WaitGroup finished;
    long before = bench::rss_kib();
    started.add(static_cast<int>(n));
    finished.add(static_cast<int>(n));
    for (long i = 0; i < n; ++i) {
      go([&started, &finished, gate] {
        started.done();
        gate.recv();
        finished.done();
      });
    }
    started.wait();
    long after = bench::rss_kib();
    auto t0 = bench::Clock::now();
    gate.close();
    finished.wait();
    double wake_ms = bench::seconds_since(t0) * 1e3;
    bench::result(("B7_mem_" + tag).c_str(), static_cast<double>(after - before) / n, "KiB");
    bench::result(("B7_wake_" + tag).c_str(), wake_ms, "ms");
  });
}

int main() {
  runtime::gomaxprocs(2);
  measure(100'000, "100k");
  measure(1'000'000, "1m");
}
