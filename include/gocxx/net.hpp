// Go's net package for stream sockets: TCP over IPv4 and IPv6, and Unix sockets,
// on the runtime's network poller.
//
//   auto [ln, err] = net::listen("tcp", "127.0.0.1:0");
//   go([ln] {
//     for (;;) {
//       auto [c, err] = ln.accept();
//       if (err) return;                        // the listener was closed
//       go([c] { io::copy(c, c); });            // echo
//     }
//   });
//   auto [c, err2] = net::dial("tcp", ln.addr().to_string());
//   c.set_read_deadline(time::add(time::now(), 1s));
//   auto [n, err3] = c.read(buf);               // net::is_timeout(err3) after 1 s
//
// Blocking: an operation that cannot proceed parks the calling goroutine (status
// "IO wait"), never its thread; from a plain thread it blocks the thread. Every
// socket is non-blocking and close-on-exec, and writes never raise SIGPIPE. Name
// resolution runs inside gocxx::blocking.
//
// Handles: Conn and Listener are shared handles; copies name the same socket,
// which is closed by close() or when the last handle goes away. Every method is
// safe from any number of goroutines and threads at once. Concurrent reads are
// served one at a time, and so are concurrent writes (the bytes of one write are
// never interleaved with another's); a read and a write proceed independently. A
// method of a nil handle returns an `invalid argument` error.
//
// Errors are Go's *net.OpError texts, `<op> <net> <address>: <cause>`, e.g.
// `dial tcp 127.0.0.1:5000: connect: connection refused` or
// `read tcp 127.0.0.1:41000->127.0.0.1:5000: i/o timeout`.
// errors::is(err, net::err_closed) holds for every error from a closed socket,
// errors::is(err, net::err_deadline_exceeded) for an expired read, write or accept
// deadline, errors::is(err, context::deadline_exceeded) for a dial that timed out.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "gocxx/errors.hpp"
#include "gocxx/io.hpp"

namespace gocxx::context {
class Context;
}  // namespace gocxx::context

namespace gocxx::net {

extern const Error err_closed;             // "use of closed network connection" (net.ErrClosed)
extern const Error err_deadline_exceeded;  // "i/o timeout" (os.ErrDeadlineExceeded)

// An instant on the monotonic clock (the same type as gocxx::time::Time).
using Deadline = std::optional<std::chrono::steady_clock::time_point>;

namespace detail {
struct Fd;
struct AddrAccess;
}  // namespace detail

// net.Addr, a value: a TCP endpoint (IP and port) or a Unix socket name.
class Addr {
 public:
  Addr() = default;
  // "tcp" (also for tcp4 and tcp6 sockets) or "unix"; empty for no address.
  std::string network() const { return network_; }
  // Go's String(): 127.0.0.1:80, [::1]:80, /run/x.sock, @abstract (and "@" for an
  // unnamed Unix endpoint).
  std::string to_string() const;
  int port() const noexcept { return port_; }
  friend bool operator==(const Addr&, const Addr&) = default;

 private:
  friend struct detail::AddrAccess;
  std::string network_;
  std::string host_;  // an IP literal (IPv4 peers of dual-stack sockets as IPv4), or a name
  int port_ = 0;
};

// net.Conn: a connected stream socket.
class Conn {
 public:
  Conn() = default;  // nil

  // Waits until at least one byte can be read: {n > 0, no error}; {0, io::eof}
  // once the peer has shut down its side and everything was read. Closed conn:
  // err_closed; then an empty buf returns {0, no error}; then, once the read
  // deadline has passed, a timeout even when data is waiting.
  io::Result read(std::span<char> buf) const;
  io::Result read(std::span<std::byte> buf) const;
  // Writes all of data, waiting for buffer space as often as needed:
  // {data.size(), no error}, or {bytes written so far, error}.
  io::Result write(std::string_view data) const;
  io::Result write(std::span<const std::byte> data) const;
  // The first call returns no error, and every operation blocked on the conn
  // wakes with err_closed; later calls (and operations) fail with err_closed.
  Error close() const;
  Error close_read() const;   // shutdown(SHUT_RD)
  Error close_write() const;  // shutdown(SHUT_WR): the peer reads io::eof
  // Absolute deadlines; std::nullopt removes one. They apply to blocked
  // operations and later ones; moving one while an operation is blocked takes
  // effect for it. They never fire early.
  Error set_deadline(Deadline t) const;  // both directions
  Error set_read_deadline(Deadline t) const;
  Error set_write_deadline(Deadline t) const;
  Addr local_addr() const;
  Addr remote_addr() const;

  explicit operator bool() const noexcept { return fd_ != nullptr; }
  friend bool operator==(const Conn& a, const Conn& b) noexcept { return a.fd_ == b.fd_; }

  // The implementation's constructor.
  explicit Conn(std::shared_ptr<detail::Fd> fd) noexcept : fd_(std::move(fd)) {}

 private:
  std::shared_ptr<detail::Fd> fd_;
};

// net.Listener: a listening stream socket.
class Listener {
 public:
  Listener() = default;  // nil

  // Waits for a connection (status "IO wait"). On error the Conn is nil; past the
  // descriptor limit (EMFILE, ENFILE) that is an error, and the listener stays
  // usable. ECONNABORTED is retried.
  std::pair<Conn, Error> accept() const;
  // Wakes a blocked accept with err_closed. A Unix listener removes its socket
  // file.
  Error close() const;
  Addr addr() const;
  Error set_deadline(Deadline t) const;

  explicit operator bool() const noexcept { return fd_ != nullptr; }
  friend bool operator==(const Listener& a, const Listener& b) noexcept { return a.fd_ == b.fd_; }

  explicit Listener(std::shared_ptr<detail::Fd> fd) noexcept : fd_(std::move(fd)) {}

 private:
  std::shared_ptr<detail::Fd> fd_;
};

// network: "tcp", "tcp4", "tcp6" or "unix". A TCP address is host:port (an IP
// literal, [IPv6] in brackets, a host name, or an empty host: every interface for
// listen, the local system for dial); port 0 on listen picks a free port. A Unix
// address is a path, or @name in the abstract namespace.
std::pair<Listener, Error> listen(std::string_view network, std::string_view address);
std::pair<Conn, Error> dial(std::string_view network, std::string_view address);
// dial, failing with a timeout error (that unwraps to context::deadline_exceeded)
// when not connected within the timeout, name resolution included. 0: no
// timeout; negative: expired already.
std::pair<Conn, Error> dial_timeout_ns(std::string_view network, std::string_view address,
                                       std::int64_t timeout_ns);
template <class Rep, class Period>
std::pair<Conn, Error> dial_timeout(std::string_view network, std::string_view address,
                                    std::chrono::duration<Rep, Period> timeout) {
  // Saturating: hours::max() is "for ever", not an overflow.
  std::chrono::duration<double, std::nano> ns = timeout;
  std::int64_t n = ns.count() >= 9.2e18    ? INT64_MAX
                   : ns.count() <= -9.2e18 ? INT64_MIN
                                           : static_cast<std::int64_t>(ns.count());
  if (n == 0 && ns.count() != 0) n = ns.count() > 0 ? 1 : -1;
  return dial_timeout_ns(network, address, n);
}
// Dialer.DialContext: dial until the context's deadline, giving up when it is
// cancelled (`operation was canceled`, unwrapping to context::canceled).
std::pair<Conn, Error> dial_context(const context::Context& ctx, std::string_view network,
                                    std::string_view address);

// errors.As(err, &netErr) && netErr.Timeout(): a deadline, a dial timeout, or the
// system error ETIMEDOUT or EAGAIN in the chain. False for no error.
bool is_timeout(const Error& err);
// The errno of the system call error in err's chain (ECONNREFUSED, EMFILE,
// EPIPE, ...), 0 if there is none.
int errno_of(const Error& err);

}  // namespace gocxx::net
