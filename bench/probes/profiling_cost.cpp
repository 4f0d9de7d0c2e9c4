// What the block and mutex profiles cost while on: a channel ping-pong (every
// round trip is two blocking receives) and a contended Mutex, each with
// profiling off, then with the block profile at rate 1 (every wait) and 10,000 ns,
// then with the mutex profile at fractions 1 and 5.
//   bench/probe_profiling_cost [round trips]
#include <gocxx/gocxx.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>

using namespace gocxx;

namespace {

double pingpong_ns(int n) {
  double ns = 0;
  run([&] {
    auto ping = make_chan<int>(), pong = make_chan<int>();
    go([ping, pong] {
      for (int v : ping) pong.send(v);
    });
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) {
      ping.send(i);
      pong.recv();
    }
    auto t1 = std::chrono::steady_clock::now();
    ping.close();
    ns = std::chrono::duration<double, std::nano>(t1 - t0).count() / n;
  });
  return ns;
}

double contended_mutex_ns(int n) {
  double ns = 0;
  run([&] {
    sync::Mutex mu;
    sync::WaitGroup wg;
    long counter = 0;
    constexpr int kWorkers = 4;
    auto t0 = std::chrono::steady_clock::now();
    for (int w = 0; w < kWorkers; ++w) {
      wg.add(1);
      go([&] {
        for (int i = 0; i < n / kWorkers; ++i) {
          mu.lock();
          ++counter;
          mu.unlock();
        }
        wg.done();
      });
    }
    wg.wait();
    auto t1 = std::chrono::steady_clock::now();
    ns = std::chrono::duration<double, std::nano>(t1 - t0).count() / n;
    if (counter != n / kWorkers * kWorkers) std::abort();
  });
  return ns;
}

void report(const char* setting, int n) {
  std::printf("%-28s pingpong %7.1f ns/round trip   contended mutex %6.1f ns/op\n", setting,
              pingpong_ns(n), contended_mutex_ns(n * 4));
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 200000;
  report("profiling off", n);
  runtime::set_block_profile_rate(1);
  report("block rate 1 (every wait)", n);
  runtime::set_block_profile_rate(10000);
  report("block rate 10000 ns", n);
  runtime::set_block_profile_rate(0);
  runtime::set_mutex_profile_fraction(1);
  report("mutex fraction 1", n);
  runtime::set_mutex_profile_fraction(5);
  report("mutex fraction 5", n);
  runtime::set_mutex_profile_fraction(0);
  report("profiling off again", n);
}
