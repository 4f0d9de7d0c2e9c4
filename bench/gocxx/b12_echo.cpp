// B12: TCP echo over loopback. An echo server (a goroutine per connection) and 100
// client goroutines, each doing 1,000 round trips of a 64-byte message on its own
// connection, P=2. Figures: ns per round trip (elapsed / 100,000; the inverse of
// round trips per second, so that lower is better like every figure), and the
// 99th percentile of one round trip's latency in us.
//
// `b12_echo serve` only serves (it prints `LISTEN <addr>` and runs until killed),
// `b12_echo client <addr>` only loads a server at addr: bench/cross_echo.py runs
// each client against each server (gocxx and Go), the same protocol both ways.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "bench_util.hpp"
#include "gocxx/gocxx.hpp"

using namespace gocxx;

namespace {

constexpr int kClients = 100;
constexpr int kRoundTrips = 1000;
constexpr std::size_t kMessage = 64;

void serve(const net::Listener& ln) {
  go([ln] {
    for (;;) {
      auto [c, e] = ln.accept();
      if (e) return;
      go([c = c] {
        char buf[kMessage];
        for (;;) {
          auto r = io::read_full(c, std::span<char>(buf));
          if (r.err) break;
          if (c.write(std::string_view(buf, kMessage)).err) break;
        }
        c.close();
      });
    }
  });
}

// Runs the clients against addr; returns {seconds, sorted latencies in us}.
std::pair<double, std::vector<double>> load(const std::string& addr) {
  std::vector<std::vector<double>> per_client(kClients);
  sync::WaitGroup wg;
  auto t0 = bench::Clock::now();
  for (int i = 0; i < kClients; i++) {
    wg.go([&, i] {
      auto [c, e] = net::dial("tcp", addr);
      if (e) {
        std::fprintf(stderr, "%s\n", e.message().c_str());
        std::exit(1);
      }
      std::string msg(kMessage, static_cast<char>('a' + i % 26));
      char buf[kMessage];
      auto& lat = per_client[static_cast<std::size_t>(i)];
      lat.reserve(kRoundTrips);
      for (int k = 0; k < kRoundTrips; k++) {
        auto s = bench::Clock::now();
        if (c.write(msg).err || io::read_full(c, std::span<char>(buf)).err) std::exit(1);
        lat.push_back(bench::seconds_since(s) * 1e6);
      }
      c.close();
    });
  }
  wg.wait();
  double elapsed = bench::seconds_since(t0);
  std::vector<double> all;
  for (auto& v : per_client) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  return {elapsed, all};
}

void report(const char* prefix, double elapsed, const std::vector<double>& lat) {
  std::string name = std::string(prefix) + "_P2";
  std::string p99 = std::string(prefix) + "_p99_P2";
  bench::result(name.c_str(), elapsed * 1e9 / (kClients * kRoundTrips), "ns");
  bench::result(p99.c_str(), lat[lat.size() * 99 / 100], "us");
}

}  // namespace

int main(int argc, char** argv) {
  runtime::gomaxprocs(2);
  std::string mode = argc > 1 ? argv[1] : "";
  return run([&] {
    if (mode == "client" && argc > 2) {
      auto [elapsed, lat] = load(argv[2]);
      report("B12x_echo", elapsed, lat);
      return 0;
    }
    auto [ln, err] = net::listen("tcp", "127.0.0.1:0");
    if (err) {
      std::fprintf(stderr, "%s\n", err.message().c_str());
      return 1;
    }
    serve(ln);
    if (mode == "serve") {
      std::printf("LISTEN %s\n", ln.addr().to_string().c_str());
      std::fflush(stdout);
      for (;;) time::sleep(std::chrono::hours(1));
    }
    auto [elapsed, lat] = load(ln.addr().to_string());
    ln.close();
    report("B12_echo", elapsed, lat);
    return 0;
  });
}
