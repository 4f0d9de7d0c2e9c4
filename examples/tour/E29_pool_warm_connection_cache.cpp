// E29 pool-warm-connection-cache: create expensive objects in
// advance. warmServiceConnCache puts 10 "service connections" into a Pool (each
// connectToService takes 1s, one after another); then a TCP daemon answers each
// connection with a pooled object: Get, write an empty line, Put, close. Each
// request (dial, read everything, close) is then quick: the connections were made
// before the first request came. With --per-request-connect the daemon has no pool
// and calls connectToService for every request, as in the book's version before the
// pool: each request then takes at least the 1s.
//
// The daemon listens on 127.0.0.1 with a port the system chooses (the tutorial's
// localhost:8080 may be taken). main plays the tutorial's init (start the daemon, wait
// until it listens) and BenchmarkNetworkRequest, with --requests requests: it
// prints the time the daemon took to start, each response (quoted, as Go's %q) with
// the time its request took, the benchmark line, and how many times
// connectToService ran before and after the daemon started. Socket calls are POSIX calls
// run under gocxx::blocking. (gocxx's Pool, like Go's, drops items nobody takes
// within a few seconds, so at full scale some of the first items may be gone before
// the daemon starts; New then runs for them.)
// Usage: tour_E29 [--scale N] [--requests K] [--per-request-connect]
//   --scale N   divides the 1s connect time by N
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <any>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "gocxx/gocxx.hpp"
#include "tour_flags.hpp"

using namespace std::chrono_literals;
using gocxx::time::Duration;

namespace {

[[noreturn]] void fatalf(const char* what, int err = errno) {  // log.Fatalf
  std::fprintf(stderr, "%s: %s\n", what, std::strerror(err));
  std::exit(1);
}

// A blocking system call: its result and errno, read on the thread that made the
// call (a goroutine may run on another thread after a blocking point).
struct Sys {
  long result;
  int err;
};
template <class F>
Sys sys_call(F f) {
  return gocxx::blocking([&f] {
    long r = static_cast<long>(f());
    return Sys{r, r < 0 ? errno : 0};
  });
}

Duration connect_delay = 1s;
std::atomic<int> connects{0};  // calls of connectToService

std::any connectToService() {
  connects++;
  gocxx::time::sleep(connect_delay);
  return gocxx::Unit{};  // struct{}{}
}

std::shared_ptr<gocxx::sync::Pool<std::any>> warmServiceConnCache() {
  auto p = std::make_shared<gocxx::sync::Pool<std::any>>(connectToService);
  for (int i = 0; i < 10; i++) p->put(connectToService());  // p.Put(p.New())
  return p;
}

// net.Listen("tcp", "127.0.0.1:0"): the listening socket and its port.
std::pair<int, int> listen_tcp() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fatalf("cannot listen: socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    fatalf("cannot listen: bind");
  if (::listen(fd, 128) != 0) fatalf("cannot listen");
  socklen_t len = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) fatalf("getsockname");
  return {fd, ntohs(addr.sin_port)};
}

bool write_all(int fd, const char* data, std::size_t n) {
  while (n > 0) {
    Sys w = sys_call([&] { return ::send(fd, data, n, MSG_NOSIGNAL); });
    if (w.result < 0 && w.err == EINTR) continue;
    if (w.result <= 0) return false;
    data += w.result;
    n -= static_cast<std::size_t>(w.result);
  }
  return true;
}

struct Daemon {
  gocxx::sync::WaitGroup started;
  int port = 0;  // written before started.done()
};

std::shared_ptr<Daemon> startNetworkDaemon(bool pooled) {
  auto d = std::make_shared<Daemon>();
  d->started.add(1);
  gocxx::go([d, pooled] {
    std::shared_ptr<gocxx::sync::Pool<std::any>> connPool;
    if (pooled) connPool = warmServiceConnCache();
    auto [server, port] = listen_tcp();  // the listener stays open: the loop never ends
    d->port = port;
    d->started.done();
    for (;;) {
      Sys accepted =
          sys_call([fd = server] { return ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC); });
      if (accepted.result < 0) {
        std::fprintf(stderr, "cannot accept connection: %s\n",  // log.Printf
                     std::strerror(accepted.err));
        continue;
      }
      int conn = static_cast<int>(accepted.result);
      std::any svcConn = pooled ? connPool->get() : connectToService();
      write_all(conn, "\n", 1);  // fmt.Fprintln(conn, "")
      if (pooled) connPool->put(std::move(svcConn));
      ::close(conn);
    }
  });
  return d;
}

// net.Dial, ioutil.ReadAll, conn.Close: the whole response.
std::string request(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fatalf("cannot dial host: socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  Sys c = sys_call([&] { return ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr); });
  if (c.result != 0) fatalf("cannot dial host", c.err);
  std::string body;
  char buf[512];
  for (;;) {
    Sys n = sys_call([&] { return ::read(fd, buf, sizeof buf); });
    if (n.result < 0 && n.err == EINTR) continue;
    if (n.result < 0) fatalf("cannot read", n.err);
    if (n.result == 0) break;
    body.append(buf, static_cast<std::size_t>(n.result));
  }
  ::close(fd);
  return body;
}

// Go's %q of a string of printable ASCII and newlines.
std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '\n') {
      out += "\\n";
    } else if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

}  // namespace

int main(int argc, char** argv) {
  long scale = 1, requests = 10;
  bool per_request = false;
  if (!tour::parse_flags(argc, argv,
                         {{"--scale", &scale},
                          {"--requests", &requests},
                          {"--per-request-connect", nullptr, &per_request}},
                         "[--scale N] [--requests K] [--per-request-connect]"))
    return 2;
  connect_delay = Duration(1s) / scale;
  return gocxx::run([=] {
    // func init()
    auto start = gocxx::time::now();
    auto daemon = startNetworkDaemon(!per_request);
    daemon->started.wait();
    int warm = connects.load();
    std::printf("daemon started after %s (connect time %s, %s)\n",
                gocxx::time::to_string(gocxx::time::since(start)).c_str(),
                gocxx::time::to_string(connect_delay).c_str(),
                per_request ? "no pool: a connect per request" : "10 connections warmed");
    // BenchmarkNetworkRequest
    auto bench = gocxx::time::now();
    for (long i = 0; i < requests; i++) {
      auto t = gocxx::time::now();
      std::string body = request(daemon->port);
      std::printf("request %ld: %s in %s\n", i + 1, quote(body).c_str(),
                  gocxx::time::to_string(gocxx::time::since(t)).c_str());
    }
    auto total = std::chrono::duration<double, std::nano>(gocxx::time::since(bench));
    std::printf("BenchmarkNetworkRequest\t%ld\t%.0f ns/op\n", requests,
                total.count() / static_cast<double>(requests));
    std::printf("connectToService calls: %d before the daemon listened, %d during the requests\n",
                warm, connects.load() - warm);
  });
}
