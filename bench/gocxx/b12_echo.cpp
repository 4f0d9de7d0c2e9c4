// B12: TCP echo over loopback. An echo server (a goroutine per connection) and 100
// client goroutines, each doing 1,000 round trips of a 64-byte message on its own
// connection, P=2. Figures: ns per round trip (elapsed / 100,000; the inverse of
// round trips per second, so that lower is better like every figure), and the
// 99th percentile of one round trip's latency in us.
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

}  // namespace

int main() {
  runtime::gomaxprocs(2);
  double elapsed = 0;
  std::vector<double> latencies_us;
  int code = run([&] {
    auto [ln, err] = net::listen("tcp", "127.0.0.1:0");
    if (err) {
      std::fprintf(stderr, "%s\n", err.message().c_str());
      std::exit(1);
    }
    go([ln = ln] {
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
    std::string addr = ln.addr().to_string();
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
        per_client[static_cast<std::size_t>(i)].reserve(kRoundTrips);
        for (int k = 0; k < kRoundTrips; k++) {
          auto s = bench::Clock::now();
          if (c.write(msg).err || io::read_full(c, std::span<char>(buf)).err) std::exit(1);
          per_client[static_cast<std::size_t>(i)].push_back(bench::seconds_since(s) * 1e6);
        }
        c.close();
      });
    }
    wg.wait();
    elapsed = bench::seconds_since(t0);
    ln.close();
    for (auto& v : per_client) latencies_us.insert(latencies_us.end(), v.begin(), v.end());
  });
  if (code != 0) return code;
  std::sort(latencies_us.begin(), latencies_us.end());
  double p99 = latencies_us[latencies_us.size() * 99 / 100];
  bench::result("B12_echo_P2", elapsed * 1e9 / (kClients * kRoundTrips), "ns");
  bench::result("B12_echo_p99_P2", p99, "us");
  return 0;
}
