// net and io: stream sockets on the poller (loopback only), Go's semantics and
// error texts, deadlines, close, descriptor exhaustion, the io helpers.
#include "gocxx/net.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <thread>
#include <vector>

#include "gocxx/context.hpp"
#include "gocxx/io.hpp"
#include "gocxx/runtime.hpp"
#include "gocxx/sync.hpp"
#include "gocxx/time.hpp"
#include "test_util.hpp"

namespace gocxx {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::run_with_procs;

// Listens on a free loopback port.
net::Listener listen_local(const char* network = "tcp", const char* address = "127.0.0.1:0") {
  auto [ln, err] = net::listen(network, address);
  EXPECT_FALSE(err) << err.message();
  return ln;
}

// A connected pair over loopback TCP: {client, server}.
std::pair<net::Conn, net::Conn> tcp_pair() {
  net::Listener ln = listen_local();
  auto [c, err] = net::dial("tcp", ln.addr().to_string());
  EXPECT_FALSE(err) << err.message();
  auto [s, err2] = ln.accept();
  EXPECT_FALSE(err2) << err2.message();
  ln.close();
  return {c, s};
}

// Whether some goroutine is parked waiting on a descriptor (read from the
// goroutine dump, so a test can make sure an operation really blocked).
bool someone_in_io_wait() {
  return runtime::stack(true).find("[IO wait") != std::string::npos;
}

// Runs an echo server on ln until it is closed: every connection is copied back.
void serve_echo(net::Listener ln) {
  go([ln] {
    for (;;) {
      auto [c, err] = ln.accept();
      if (err) return;
      go([c = c] {
        io::copy(c, c);
        c.close();
      });
    }
  });
}

void echo_round_trip(const char* network, const std::string& address) {
  auto [c, err] = net::dial(network, address);
  ASSERT_FALSE(err) << err.message();
  std::string msg = "hello over " + std::string(network);
  auto w = c.write(msg);
  ASSERT_FALSE(w.err) << w.err.message();
  EXPECT_EQ(w.n, msg.size());
  std::string got(msg.size(), '\0');
  auto r = io::read_full(c, std::span<char>(got));
  ASSERT_FALSE(r.err) << r.err.message();
  EXPECT_EQ(got, msg);
  EXPECT_FALSE(c.close());
}

TEST(Net, EchoOverIpv4) {
  run_with_procs(2, [] {
    net::Listener ln = listen_local();
    EXPECT_EQ(ln.addr().network(), "tcp");
    EXPECT_GT(ln.addr().port(), 0);
    EXPECT_EQ(ln.addr().to_string(), "127.0.0.1:" + std::to_string(ln.addr().port()));
    serve_echo(ln);
    echo_round_trip("tcp", ln.addr().to_string());
    echo_round_trip("tcp4", ln.addr().to_string());
    ln.close();
  });
}

TEST(Net, EchoOverIpv6) {
  run_with_procs(2, [] {
    auto [ln, err] = net::listen("tcp6", "[::1]:0");
    if (err && (net::errno_of(err) == EADDRNOTAVAIL || net::errno_of(err) == EAFNOSUPPORT)) {
      GTEST_SKIP() << "no IPv6 loopback here: " << err.message();
    }
    ASSERT_FALSE(err) << err.message();
    EXPECT_EQ(ln.addr().to_string(), "[::1]:" + std::to_string(ln.addr().port()));
    serve_echo(ln);
    echo_round_trip("tcp", ln.addr().to_string());
    echo_round_trip("tcp6", ln.addr().to_string());
    ln.close();
  });
}

TEST(Net, DualStackListenerSeesIpv4PeersAsIpv4) {
  run_with_procs(2, [] {
    auto [ln, err] = net::listen("tcp", ":0");
    ASSERT_FALSE(err) << err.message();
    int port = ln.addr().port();
    auto [c, err2] = net::dial("tcp4", "127.0.0.1:" + std::to_string(port));
    ASSERT_FALSE(err2) << err2.message();
    auto [s, err3] = ln.accept();
    ASSERT_FALSE(err3) << err3.message();
    EXPECT_EQ(s.remote_addr(), c.local_addr());
    EXPECT_EQ(s.remote_addr().to_string().rfind("127.0.0.1:", 0), 0u)
        << s.remote_addr().to_string();
    c.close();
    s.close();
    ln.close();
  });
}

TEST(Net, EchoOverUnixSocketsAndTheFileGoesWithTheListener) {
  run_with_procs(2, [] {
    std::string path = "/tmp/gocxx-net-test-" + std::to_string(getpid()) + ".sock";
    ::unlink(path.c_str());
    net::Listener ln = listen_local("unix", path.c_str());
    EXPECT_EQ(ln.addr().network(), "unix");
    EXPECT_EQ(ln.addr().to_string(), path);
    EXPECT_EQ(access(path.c_str(), F_OK), 0);
    auto [again, err] = net::listen("unix", path);
    ASSERT_TRUE(err);
    EXPECT_EQ(err.message(), "listen unix " + path + ": bind: address already in use");
    serve_echo(ln);
    echo_round_trip("unix", path);
    auto [c, err2] = net::dial("unix", path);
    ASSERT_FALSE(err2) << err2.message();
    EXPECT_EQ(c.local_addr().to_string(), "@");  // an unnamed endpoint
    EXPECT_EQ(c.remote_addr().to_string(), path);
    c.close();
    ln.close();
    EXPECT_NE(access(path.c_str(), F_OK), 0);  // removed with the listener
    auto [gone, err3] = net::dial("unix", path);
    EXPECT_EQ(err3.message(), "dial unix " + path + ": connect: no such file or directory");
  });
}

TEST(Net, EchoOverAbstractUnixSockets) {
  run_with_procs(2, [] {
    std::string name = "@gocxx-net-test-" + std::to_string(getpid());
    net::Listener ln = listen_local("unix", name.c_str());
    EXPECT_EQ(ln.addr().to_string(), name);
    serve_echo(ln);
    echo_round_trip("unix", name);
    ln.close();
  });
}

// 1,000 clients at once against one echo server, all on one processor: every
// byte comes back exactly once (a checksum per connection).
TEST(Net, AThousandConcurrentEchoConnectionsOnOneProcessor) {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  rlim_t want = std::min<rlim_t>(lim.rlim_max, 4096);
  if (lim.rlim_cur < want) {
    lim.rlim_cur = want;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  getrlimit(RLIMIT_NOFILE, &lim);
  const int clients = static_cast<int>(std::min<rlim_t>(1000, (lim.rlim_cur - 64) / 2));
  ASSERT_GE(clients, 100);
  run_with_procs(1, [clients] {
    net::Listener ln = listen_local();
    serve_echo(ln);
    std::string addr = ln.addr().to_string();
    std::atomic<int> ok{0};
    std::atomic<long long> sent_sum{0}, echoed_sum{0};
    sync::WaitGroup wg;
    for (int i = 0; i < clients; i++) {
      wg.go([&, i] {
        auto [c, err] = net::dial("tcp", addr);
        if (err) {
          ADD_FAILURE() << err.message();
          return;
        }
        std::string msg;
        for (int k = 0; k < 1000 + i; k++) msg.push_back(static_cast<char>('a' + (i + k) % 26));
        long long sum = 0;
        for (char ch : msg) sum += ch;
        sent_sum += sum;
        for (int round = 0; round < 3; round++) {
          auto w = c.write(msg);
          if (w.err) {
            ADD_FAILURE() << w.err.message();
            return;
          }
          std::string got(msg.size(), '\0');
          auto r = io::read_full(c, std::span<char>(got));
          if (r.err || got != msg) {
            ADD_FAILURE() << "client " << i << ": " << r.err.message();
            return;
          }
        }
        long long back = 0;
        std::string got(msg.size(), '\0');
        c.write(msg);
        io::read_full(c, std::span<char>(got));
        for (char ch : got) back += ch;
        echoed_sum += back;
        c.close_write();
        auto [rest, err2] = io::read_all(c);  // the server echoes eof back as eof
        EXPECT_FALSE(err2);
        EXPECT_TRUE(rest.empty());
        c.close();
        ok++;
      });
    }
    wg.wait();
    EXPECT_EQ(ok.load(), clients);
    EXPECT_EQ(sent_sum.load(), echoed_sum.load());
    ln.close();
  });
}

TEST(Net, ReadDeadlineWakesABlockedReaderWithATimeout) {
  run_with_procs(2, [] {
    auto [c, s] = tcp_pair();
    auto start = time::now();
    c.set_read_deadline(time::add(start, 50ms));
    char buf[16];
    auto r = c.read(std::span<char>(buf));
    auto took = time::since(start);
    ASSERT_TRUE(r.err);
    EXPECT_EQ(r.n, 0u);
    EXPECT_TRUE(net::is_timeout(r.err));
    EXPECT_TRUE(errors::is(r.err, net::err_deadline_exceeded));
    EXPECT_GE(took, 50ms);  // never early
    EXPECT_LT(took, 10s);
    EXPECT_EQ(r.err.message(), "read tcp " + c.local_addr().to_string() + "->" +
                                   c.remote_addr().to_string() + ": i/o timeout");
    // Every later read fails at once, until the deadline moves.
    EXPECT_TRUE(net::is_timeout(c.read(std::span<char>(buf)).err));
    c.set_read_deadline(std::nullopt);
    s.write("x");
    auto r2 = c.read(std::span<char>(buf));
    EXPECT_FALSE(r2.err) << r2.err.message();
    EXPECT_EQ(r2.n, 1u);
  });
}

TEST(Net, ADeadlineInThePastFailsEvenWithDataWaiting) {
  run_with_procs(2, [] {
    auto [c, s] = tcp_pair();
    s.write("data");
    c.set_read_deadline(time::Time{});
    char buf[16];
    auto r = c.read(std::span<char>(buf));
    EXPECT_TRUE(net::is_timeout(r.err));
    c.set_write_deadline(time::Time{});
    auto w = c.write("y");
    EXPECT_EQ(w.n, 0u);
    EXPECT_TRUE(net::is_timeout(w.err));
  });
}

TEST(Net, WriteDeadlineOnAFullSocketBuffer) {
  run_with_procs(2, [] {
    auto [c, s] = tcp_pair();  // s never reads
    std::string big(64 << 20, 'z');
    c.set_write_deadline(time::add(time::now(), 100ms));
    auto w = c.write(big);
    ASSERT_TRUE(w.err);
    EXPECT_TRUE(net::is_timeout(w.err)) << w.err.message();
    EXPECT_GT(w.n, 0u);
    EXPECT_LT(w.n, big.size());
  });
}

TEST(Net, MovingADeadlineWhileBlockedTakesEffect) {
  run_with_procs(2, [] {
    auto [c, s] = tcp_pair();
    // Earlier: a reader blocked under a far deadline wakes at the new, near one.
    c.set_read_deadline(time::add(time::now(), 1h));
    auto done = make_chan<Error>(1);
    go([c = c, done] {
      char buf[4];
      done.send(c.read(std::span<char>(buf)).err);
    });
    ASSERT_TRUE(eventually(someone_in_io_wait));
    c.set_read_deadline(time::add(time::now(), 20ms));
    Error e = *done.recv();
    EXPECT_TRUE(net::is_timeout(e)) << e.message();

    // Removed: the blocked reader keeps waiting, and gets the data.
    c.set_read_deadline(time::add(time::now(), 1h));
    go([c = c, done] {
      char buf[4];
      done.send(c.read(std::span<char>(buf)).err);
    });
    ASSERT_TRUE(eventually(someone_in_io_wait));
    c.set_read_deadline(std::nullopt);
    s.write("ok");
    EXPECT_FALSE(*done.recv());
  });
}

TEST(Net, CloseWakesABlockedReaderAndWriter) {
  run_with_procs(2, [] {
    auto [c, s] = tcp_pair();
    auto results = make_chan<Error>(2);
    go([c = c, results] {
      char buf[4];
      results.send(c.read(std::span<char>(buf)).err);
    });
    go([c = c, results] {
      std::string big(64 << 20, 'w');
      results.send(c.write(big).err);
    });
    ASSERT_TRUE(eventually([] {
      std::string dump = runtime::stack(true);
      std::size_t first = dump.find("[IO wait");
      return first != std::string::npos && dump.find("[IO wait", first + 1) != std::string::npos;
    }));
    EXPECT_FALSE(c.close());
    for (int i = 0; i < 2; i++) {
      Error e = *results.recv();
      EXPECT_TRUE(errors::is(e, net::err_closed)) << e.message();
    }
    Error again = c.close();
    EXPECT_TRUE(errors::is(again, net::err_closed));
    char buf[4];
    EXPECT_TRUE(errors::is(c.read(std::span<char>(buf)).err, net::err_closed));
    Error set = c.set_deadline(time::now());
    EXPECT_EQ(set.message(),
              "set tcp " + c.local_addr().to_string() + ": use of closed network connection");
  });
}

TEST(Net, ListenerCloseUnblocksAccept) {
  run_with_procs(2, [] {
    net::Listener ln = listen_local();
    auto done = make_chan<Error>(1);
    go([ln, done] { done.send(ln.accept().second); });
    ASSERT_TRUE(eventually(someone_in_io_wait));
    EXPECT_FALSE(ln.close());
    Error e = *done.recv();
    EXPECT_TRUE(errors::is(e, net::err_closed));
    EXPECT_EQ(e.message(),
              "accept tcp " + ln.addr().to_string() + ": use of closed network connection");
  });
}

TEST(Net, AcceptDeadline) {
  run_with_procs(2, [] {
    net::Listener ln = listen_local();
    ln.set_deadline(time::add(time::now(), 20ms));
    auto [c, err] = ln.accept();
    EXPECT_FALSE(c);
    EXPECT_TRUE(net::is_timeout(err));
    EXPECT_TRUE(errors::is(err, net::err_deadline_exceeded));
  });
}

TEST(Net, DialToAClosedPortIsRefused) {
  run_with_procs(2, [] {
    net::Listener ln = listen_local();
    std::string addr = ln.addr().to_string();
    ln.close();
    auto [c, err] = net::dial("tcp", addr);
    EXPECT_FALSE(c);
    ASSERT_TRUE(err);
    EXPECT_EQ(err.message(), "dial tcp " + addr + ": connect: connection refused");
    EXPECT_EQ(net::errno_of(err), ECONNREFUSED);
    EXPECT_FALSE(net::is_timeout(err));
  });
}

TEST(Net, DialTimeoutExpiresOnAConnectThatHangs) {
  run_with_procs(2, [] {
    // A listener whose accept queue is full drops further SYNs: connects hang.
    int raw = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(raw, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    ASSERT_EQ(::listen(raw, 0), 0);
    socklen_t len = sizeof sa;
    getsockname(raw, reinterpret_cast<sockaddr*>(&sa), &len);
    std::string addr = "127.0.0.1:" + std::to_string(ntohs(sa.sin_port));
    std::vector<net::Conn> held;
    Error timeout;
    for (int i = 0; i < 64 && !timeout; i++) {
      auto start = time::now();
      auto [c, err] = net::dial_timeout("tcp", addr, 100ms);
      if (err) {
        EXPECT_GE(time::since(start), 100ms);
        timeout = err;
      } else {
        held.push_back(c);
      }
    }
    ASSERT_TRUE(timeout) << "no connect ever hung";
    EXPECT_TRUE(net::is_timeout(timeout));
    EXPECT_TRUE(errors::is(timeout, context::deadline_exceeded));
    EXPECT_EQ(timeout.message(), "dial tcp " + addr + ": i/o timeout");
    // A negative timeout has expired already.
    auto [c2, err2] = net::dial_timeout("tcp", addr, -1s);
    EXPECT_TRUE(net::is_timeout(err2));
    // A cancelled context gives up as well.
    auto [ctx, cancel] = context::with_cancel(context::background());
    auto result = make_chan<Error>(1);
    go([ctx = ctx, addr, result] { result.send(net::dial_context(ctx, "tcp", addr).second); });
    ASSERT_TRUE(eventually(someone_in_io_wait));
    cancel();
    Error e = *result.recv();
    EXPECT_TRUE(errors::is(e, context::canceled)) << e.message();
    EXPECT_EQ(e.message(), "dial tcp " + addr + ": operation was canceled");
    for (auto& c : held) c.close();
    ::close(raw);
  });
}

TEST(Net, AddressAndNetworkErrorsUseGoTexts) {
  run_with_procs(1, [] {
    EXPECT_EQ(net::listen("foo", ":0").second.message(), "listen foo: unknown network foo");
    EXPECT_EQ(net::dial("foo", "x").second.message(), "dial foo: unknown network foo");
    EXPECT_EQ(net::listen("tcp", "127.0.0.1").second.message(),
              "listen tcp: address 127.0.0.1: missing port in address");
    EXPECT_EQ(net::dial("tcp", "127.0.0.1:99999").second.message(),
              "dial tcp: address 99999: invalid port");
    EXPECT_EQ(net::listen("tcp4", "[::1]:0").second.message(),
              "listen tcp4: address ::1: no suitable address found");
    EXPECT_EQ(net::dial("tcp", "a:b:c").second.message(),
              "dial tcp: address a:b:c: too many colons in address");
    net::Listener taken = listen_local();
    auto [again, in_use] = net::listen("tcp", taken.addr().to_string());
    EXPECT_FALSE(again);
    EXPECT_EQ(in_use.message(),
              "listen tcp " + taken.addr().to_string() + ": bind: address already in use");
    EXPECT_EQ(net::errno_of(in_use), EADDRINUSE);
    taken.close();
    net::Conn nil;
    char buf[1];
    EXPECT_EQ(nil.read(std::span<char>(buf)).err.message(), "invalid argument");
    EXPECT_FALSE(net::is_timeout(Error()));
    EXPECT_EQ(net::errno_of(Error()), 0);
  });
}

TEST(Net, NamesResolveThroughTheBlockingHandOff) {
  run_with_procs(1, [] {
    net::Listener ln = listen_local();
    serve_echo(ln);
    echo_round_trip("tcp4", "localhost:" + std::to_string(ln.addr().port()));
    auto [c, err] = net::dial("tcp", "no-such-host.invalid:80");
    ASSERT_TRUE(err);
    // "no such host" where a resolver answers; a machine without one may say
    // that the lookup failed for now instead.
    EXPECT_EQ(err.message().rfind("dial tcp: lookup no-such-host.invalid: ", 0), 0u)
        << err.message();
    EXPECT_FALSE(net::is_timeout(err));
    ln.close();
  });
}

// Accept and dial past the descriptor limit give errors, and the listener keeps
// working once descriptors are free again (in a child: the limit is per process).
TEST(Net, DescriptorExhaustionGivesErrorsNotCrashes) {
#if defined(GOCXX_TEST_UBSAN)
  GTEST_SKIP() << "UBSan's vptr check needs a free descriptor (it probes memory through a pipe)";
#endif
  GOCXX_IN_FRESH_PROCESS(run([] {
    net::Listener ln = listen_local();
    std::string addr = ln.addr().to_string();
    rlimit lim{64, 64};
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lim), 0);
    std::vector<int> filler;
    for (;;) {
      int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0) break;
      filler.push_back(fd);
    }
    auto [c, err] = net::dial("tcp", addr);
    ASSERT_TRUE(err);
    EXPECT_EQ(net::errno_of(err), EMFILE);
    EXPECT_EQ(err.message(), "dial tcp " + addr + ": socket: too many open files");
    // Free two: a client connects, and accept then finds no descriptor left.
    ::close(filler.back());
    filler.pop_back();
    auto [c2, err2] = net::dial("tcp", addr);
    ASSERT_FALSE(err2) << err2.message();
    auto [s, err3] = ln.accept();
    ASSERT_TRUE(err3);
    EXPECT_EQ(net::errno_of(err3), EMFILE);
    EXPECT_EQ(err3.message(), "accept tcp " + addr + ": accept4: too many open files");
    ::close(filler.back());
    filler.pop_back();
    auto [s2, err4] = ln.accept();
    EXPECT_FALSE(err4) << err4.message();
    for (int fd : filler) ::close(fd);
  }));
}

// A plain thread blocks in read (its thread, not a goroutine) until a goroutine
// writes, and the other way round.
TEST(Net, PlainThreadsBlockOnSocketsToo) {
  auto [ln, err] = net::listen("tcp", "127.0.0.1:0");
  ASSERT_FALSE(err);
  go([ln = ln] {
    auto [s, e] = ln.accept();
    if (e) return;
    char buf[5];
    if (!io::read_full(s, std::span<char>(buf)).err) s.write(std::string_view(buf, 5));
    s.close();
  });
  auto [c, err2] = net::dial("tcp", ln.addr().to_string());
  ASSERT_FALSE(err2) << err2.message();
  std::thread writer([c = c] {
    // Give the reader below time to block first; correctness does not depend on it.
    c.write("12345");
  });
  char got[5];
  auto r = io::read_full(c, std::span<char>(got));
  writer.join();
  ASSERT_FALSE(r.err) << r.err.message();
  EXPECT_EQ(std::string(got, 5), "12345");
  auto [rest, e3] = io::read_all(c);
  EXPECT_FALSE(e3);
  EXPECT_TRUE(rest.empty());
  c.close();
  ln.close();
}

// io helpers against a reader that hands out fixed pieces.
struct PieceReader {
  std::vector<std::string> pieces;
  std::size_t next = 0;
  Error end = io::eof;
  io::Result read(std::span<char> buf) {
    if (next == pieces.size()) return {0, end};
    std::string& p = pieces[next];
    std::size_t n = std::min(p.size(), buf.size());
    std::copy_n(p.data(), n, buf.data());
    p.erase(0, n);
    if (p.empty()) next++;
    return {n, Error()};
  }
};

struct StringWriter {
  std::string data;
  std::size_t limit = SIZE_MAX;
  io::Result write(std::string_view s) {
    std::size_t n = std::min(s.size(), limit - std::min(limit, data.size()));
    data.append(s.substr(0, n));
    return {n, Error()};
  }
};

TEST(Io, ReadFullReadAllAndCopy) {
  char buf[6];
  PieceReader r{{"ab", "cd", "ef", "gh"}};
  auto full = io::read_full(r, std::span<char>(buf));
  EXPECT_EQ(full.n, 6u);
  EXPECT_FALSE(full.err);
  auto tail = io::read_full(r, std::span<char>(buf));
  EXPECT_EQ(tail.n, 2u);
  EXPECT_EQ(tail.err, io::err_unexpected_eof);
  EXPECT_EQ(io::read_full(r, std::span<char>(buf)).err, io::eof);
  EXPECT_FALSE(io::read_full(r, std::span<char>(buf, 0)).err);

  Error boom = errors::make("boom");
  PieceReader r2{{std::string(3000, 'x')}, 0, boom};
  auto [data, err] = io::read_all(r2);
  EXPECT_EQ(data.size(), 3000u);
  EXPECT_EQ(err, boom);
  PieceReader r3{{"hello ", "world"}};
  auto [all, err3] = io::read_all(r3);
  EXPECT_EQ(all, "hello world");
  EXPECT_FALSE(err3);

  PieceReader r4{{"copy ", "me"}};
  StringWriter w;
  auto c = io::copy(w, r4);
  EXPECT_EQ(c.n, 7u);
  EXPECT_FALSE(c.err);
  EXPECT_EQ(w.data, "copy me");
  PieceReader r5{{"too long"}};
  StringWriter small{{}, 3};
  EXPECT_EQ(io::copy(small, r5).err, io::err_short_write);
  EXPECT_EQ(io::eof.message(), "EOF");
}

}  // namespace
}  // namespace gocxx
