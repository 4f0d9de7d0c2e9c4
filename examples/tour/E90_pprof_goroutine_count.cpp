// E90 pprof-goroutine-count: a monitor goroutine logs the goroutine profile's
// count every tick while main starts, twice a tick, a goroutine that blocks
// forever on a nil channel: 10 in all, so the count grows by about 2 a line.
//
// Scaled down tenfold: a tick of 100 ms and a spawn every 50 ms (the tutorial's
// 1 s and 500 ms; --full runs those). The lines are log's `HH:MM:SS message`.
// The blocked goroutines are never released: the program ends with main, as in
// Go, and the deadlock detector keeps quiet because main is sleeping, not stuck.
// Main stops the monitor before it returns, so that no line is printed while the
// process exits (Go's exit is immediate; a C++ exit runs destructors first).
#include <chrono>
#include <cstdio>
#include <ctime>

#include "gocxx/gocxx.hpp"
#include "tour_flags.hpp"

namespace {

void log_printf(const char* fmt, int n) {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char stamp[16];
  std::strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
  std::printf("%s ", stamp);
  std::printf(fmt, n);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  bool full = false;
  if (!tour::parse_flags(argc, argv, {{"--full", nullptr, &full}}, "[--full]")) return 2;
  auto tick_every = std::chrono::milliseconds(full ? 1000 : 100);
  auto spawn_every = std::chrono::milliseconds(full ? 500 : 50);
  return gocxx::run([&] {
    auto done = gocxx::make_chan<int>();
    auto stopped = gocxx::make_chan<int>();
    gocxx::go([tick_every, done, stopped] {
      gocxx::pprof::Profile* goroutines = gocxx::pprof::lookup("goroutine");
      auto ticks = gocxx::time::tick(tick_every);
      for (bool running = true; running;) {
        gocxx::select(
            gocxx::recv(ticks,
                        [&](auto) { log_printf("goroutine count: %d\n", goroutines->count()); }),
            gocxx::recv(done, [&](auto) { running = false; }));
      }
      stopped.close();
    });
    for (int i = 0; i < 10; i++) {
      gocxx::time::sleep(spawn_every);
      gocxx::go([] {
        gocxx::Chan<int> nil;  // a nil channel: receiving blocks forever
        nil.recv();
      });
    }
    done.close();
    stopped.recv();
  });
}
