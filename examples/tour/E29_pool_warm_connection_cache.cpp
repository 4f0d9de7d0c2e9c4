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
// connectToService ran before and after the daemon started. The sockets are gocxx::net's:
// a goroutine waiting in accept or read parks on the network poller. (gocxx's Pool, like Go's,
// drops items nobody takes within a few seconds, so at full scale some of the first items may be
// gone before the daemon starts; New then runs for them.) Usage: tour_E29 [--scale N] [--requests
// K] [--per-request-connect]
//   --scale N   divides the 1s connect time by N

#include <any>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "gocxx/gocxx.hpp"
#include "tour_flags.hpp"

using namespace std::chrono_literals;
using gocxx::time::Duration;

namespace {

[[noreturn]] void fatalf(const char* what, const gocxx::Error& err) {  // log.Fatalf
  std::fprintf(stderr, "%s: %s\n", what, err.message().c_str());
  std::exit(1);
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

struct Daemon {
  gocxx::sync::WaitGroup started;
  std::string addr;  // written before started.done()
};

std::shared_ptr<Daemon> startNetworkDaemon(bool pooled) {
  auto d = std::make_shared<Daemon>();
  d->started.add(1);
  gocxx::go([d, pooled] {
    std::shared_ptr<gocxx::sync::Pool<std::any>> connPool;
    if (pooled) connPool = warmServiceConnCache();
    auto [server, err] = gocxx::net::listen("tcp", "127.0.0.1:0");
    if (err) fatalf("cannot listen", err);
    d->addr = server.addr().to_string();
    d->started.done();
    for (;;) {  // the listener stays open: the loop never ends
      auto [conn, err2] = server.accept();
      if (err2) {
        std::fprintf(stderr, "cannot accept connection: %s\n",
                     err2.message().c_str());  // log.Printf
        continue;
      }
      std::any svcConn = pooled ? connPool->get() : connectToService();
      conn.write("\n");  // fmt.Fprintln(conn, "")
      if (pooled) connPool->put(std::move(svcConn));
      conn.close();
    }
  });
  return d;
}

// net.Dial, io.ReadAll, conn.Close: the whole response.
std::string request(const std::string& addr) {
  auto [conn, err] = gocxx::net::dial("tcp", addr);
  if (err) fatalf("cannot dial host", err);
  auto [body, err2] = gocxx::io::read_all(conn);
  if (err2) fatalf("cannot read", err2);
  conn.close();
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
      std::string body = request(daemon->addr);
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
