// E14 context-switch-benchmark: a sender and a receiver
// goroutine pass N empty structs over an unbuffered channel on one processor
// (`go test -bench=. -cpu=1`); close(begin) starts both at once. Go: about 225 ns
// per context switch. Usage: tour_E14 [N] (default 1 000 000).
// (The tutorial's b.StartTimer() is a no-op; the intent, b.ResetTimer(), is done here by
// starting the clock after the set-up.)
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "gocxx/gocxx.hpp"

int main(int argc, char** argv) {
  long n = argc > 1 ? std::atol(argv[1]) : 1'000'000;
  gocxx::runtime::gomaxprocs(1);  // -cpu=1
  return gocxx::run([n] {
    gocxx::sync::WaitGroup wg;
    auto begin = gocxx::make_chan<>();
    auto c = gocxx::make_chan<>();
    long received = 0;
    auto sender = [&] {
      begin.recv();
      for (long i = 0; i < n; i++) c.send();
      wg.done();
    };
    auto receiver = [&] {
      begin.recv();
      for (long i = 0; i < n; i++) {
        if (c.recv()) received++;
      }
      wg.done();
    };
    wg.add(2);
    gocxx::go(sender);
    gocxx::go(receiver);
    auto start = std::chrono::steady_clock::now();
    begin.close();
    wg.wait();
    std::chrono::duration<double, std::nano> elapsed = std::chrono::steady_clock::now() - start;
    std::printf("received %ld of %ld\n", received, n);
    std::printf("BenchmarkContextSwitch\t%ld\t%.1f ns/op\n", n,
                elapsed.count() / static_cast<double>(n));
  });
}
