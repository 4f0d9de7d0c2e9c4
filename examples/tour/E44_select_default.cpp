// E44 select-default: `default` runs at once when every case
// would block (here both channels are nil). time.Now/Since are steady_clock; the
// duration is printed in Go's format (e.g. 1.234µs).
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <string>

#include "gocxx/gocxx.hpp"

namespace {

// v / 10^digits with the fraction's trailing zeros dropped, as Go prints it.
std::string decimal(std::uint64_t v, int digits) {
  std::uint64_t scale = 1;
  for (int i = 0; i < digits; i++) scale *= 10;
  std::string s = std::to_string(v / scale);
  std::uint64_t frac = v % scale;
  if (frac != 0) {
    std::string f = std::to_string(frac);
    f.insert(0, static_cast<std::size_t>(digits) - f.size(), '0');
    f.erase(f.find_last_not_of('0') + 1);
    s += "." + f;
  }
  return s;
}

// Go's time.Duration.String.
std::string go_duration(std::chrono::nanoseconds d) {
  std::int64_t ns = d.count();
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  std::uint64_t u = ns < 0 ? 0 - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
  if (u < 1'000) return sign + std::to_string(u) + "ns";
  if (u < 1'000'000) return sign + decimal(u, 3) + "\u00b5s";
  if (u < 1'000'000'000) return sign + decimal(u, 6) + "ms";
  std::uint64_t h = u / 3'600'000'000'000, m = u / 60'000'000'000 % 60;
  std::string out = sign;
  if (h > 0) out += std::to_string(h) + "h";
  if (h > 0 || m > 0) out += std::to_string(m) + "m";
  return out + decimal(u % 60'000'000'000, 9) + "s";
}

}  // namespace

int main() {
  return gocxx::run([] {
    auto start = std::chrono::steady_clock::now();
    gocxx::RecvChan<int> c1, c2;             // nil
    gocxx::select(gocxx::recv(c1),           // reading a nil channel blocks forever
                  gocxx::recv(c2),           // reading a nil channel blocks forever
                  gocxx::default_case([&] {  // runs when every case blocks
                    auto since = std::chrono::steady_clock::now() - start;
                    std::printf("In default after %s\n\n", go_duration(since).c_str());
                  }));
  });
}
