// Stream sockets on the runtime's poller: every operation tries its system call
// first and waits in the poller (rt::poll_wait) only after EAGAIN, then tries
// again (Go's internal/poll.FD.Read and friends).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "gocxx/context.hpp"
#include "gocxx/runtime.hpp"
#include "net/errors.hpp"
#include "net/fd.hpp"
#include "runtime/sched.hpp"

namespace gocxx::net {

using detail::AddrAccess;
using detail::Fd;
using detail::FdRef;
using rt::PollMode;
using rt::PollResult;

// ---------------------------------------------------------------------------
// Fd: reference counting and close.
// ---------------------------------------------------------------------------

namespace detail {

bool Fd::acquire() noexcept {
  std::uint64_t s = state_.load(std::memory_order_relaxed);
  do {
    if ((s & kClosed) != 0) return false;
  } while (!state_.compare_exchange_weak(s, s + 1, std::memory_order_acquire,
                                         std::memory_order_relaxed));
  return true;
}

void Fd::release() noexcept {
  if (state_.fetch_sub(1, std::memory_order_acq_rel) - 1 == kClosed) destroy();
}

bool Fd::close() noexcept {
  if (!acquire()) return false;
  std::uint64_t s = state_.load(std::memory_order_relaxed);
  do {
    if ((s & kClosed) != 0) {
      release();
      return false;
    }
  } while (!state_.compare_exchange_weak(s, s | kClosed, std::memory_order_acq_rel,
                                         std::memory_order_relaxed));
  rt::poll_evict(pd);
  // Go's UnixListener.Close removes the file at once, not when the last
  // operation lets go of the descriptor.
  if (!unlink_path.empty()) ::unlink(unlink_path.c_str());
  release();
  return true;
}

void Fd::destroy() noexcept {
  rt::poll_close(pd);
  ::close(sysfd);
}

Fd::~Fd() {
  close();  // the last handle went away: no operation is in flight
}

}  // namespace detail

// ---------------------------------------------------------------------------
// Addresses.
// ---------------------------------------------------------------------------

std::string Addr::to_string() const {
  if (network_ == "unix") return host_;
  if (network_.empty()) return "<nil>";
  std::string port = std::to_string(port_);
  if (host_.find(':') != std::string::npos) return "[" + host_ + "]:" + port;
  return host_ + ":" + port;
}

namespace {

enum class Family { tcp, tcp4, tcp6, unix_stream, unknown };

Family family_of(std::string_view network) {
  if (network == "tcp") return Family::tcp;
  if (network == "tcp4") return Family::tcp4;
  if (network == "tcp6") return Family::tcp6;
  if (network == "unix") return Family::unix_stream;
  return Family::unknown;
}

// A socket address with its length.
struct SockAddr {
  sockaddr_storage ss{};
  socklen_t len = 0;
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&ss); }
  int family() const { return ss.ss_family; }
};

Addr addr_from(const sockaddr_storage& ss, socklen_t len) {
  char text[INET6_ADDRSTRLEN] = {};
  switch (ss.ss_family) {
    case AF_INET: {
      const auto& in = reinterpret_cast<const sockaddr_in&>(ss);
      inet_ntop(AF_INET, &in.sin_addr, text, sizeof text);
      return AddrAccess::make("tcp", text, ntohs(in.sin_port));
    }
    case AF_INET6: {
      const auto& in6 = reinterpret_cast<const sockaddr_in6&>(ss);
      if (IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr)) {
        inet_ntop(AF_INET, &in6.sin6_addr.s6_addr[12], text, sizeof text);
      } else {
        inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text);
      }
      return AddrAccess::make("tcp", text, ntohs(in6.sin6_port));
    }
    case AF_UNIX: {
      const auto& un = reinterpret_cast<const sockaddr_un&>(ss);
      std::size_t n =
          len > offsetof(sockaddr_un, sun_path) ? len - offsetof(sockaddr_un, sun_path) : 0;
      std::string name(un.sun_path, n);
      if (!name.empty() && name[0] == '\0') {
        name[0] = '@';  // the abstract namespace, printed as Go does
      } else {
        name = name.substr(0, name.find('\0'));
      }
      if (name.empty()) name = "@";  // unnamed
      return AddrAccess::make("unix", name, 0);
    }
    default:
      return Addr();
  }
}

Addr local_addr_of(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return Addr();
  return addr_from(ss, len);
}

Addr peer_addr_of(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return Addr();
  return addr_from(ss, len);
}

// Go's SplitHostPort.
Error split_host_port(std::string_view hostport, std::string& host, std::string& port) {
  const std::string addr(hostport);
  auto missing_port = [&] { return detail::addr_error("missing port in address", addr); };
  auto too_many = [&] { return detail::addr_error("too many colons in address", addr); };
  std::size_t i = hostport.rfind(':');
  if (i == std::string_view::npos) return missing_port();
  if (!hostport.empty() && hostport[0] == '[') {
    std::size_t end = hostport.find(']');
    if (end == std::string_view::npos) return detail::addr_error("missing ']' in address", addr);
    if (end + 1 == hostport.size()) return missing_port();
    if (end + 1 != i) return hostport[end + 1] == ':' ? too_many() : missing_port();
    host = std::string(hostport.substr(1, end - 1));
    if (host.find('[') != std::string::npos)
      return detail::addr_error("unexpected '[' in address", addr);
  } else {
    host = std::string(hostport.substr(0, i));
    if (host.find(':') != std::string::npos) return too_many();
    if (host.find('[') != std::string::npos)
      return detail::addr_error("unexpected '[' in address", addr);
  }
  port = std::string(hostport.substr(i + 1));
  if (port.find(']') != std::string::npos)
    return detail::addr_error("unexpected ']' in address", addr);
  return Error();
}

Error parse_port(const std::string& service, int& port) {
  port = 0;
  if (service.empty()) return Error();  // Go: an empty port is 0
  bool numeric = true;
  long v = 0;
  for (char c : service) {
    if (c < '0' || c > '9') {
      numeric = false;
      break;
    }
    if (v <= 65535) v = v * 10 + (c - '0');
  }
  if (numeric) {
    if (v > 65535) return detail::addr_error("invalid port", service);
    port = static_cast<int>(v);
    return Error();
  }
  servent result{};
  servent* found = nullptr;
  char buf[1024];
  if (getservbyname_r(service.c_str(), "tcp", &result, buf, sizeof buf, &found) == 0 &&
      found != nullptr) {
    port = ntohs(static_cast<std::uint16_t>(found->s_port));
    return Error();
  }
  return detail::addr_error("unknown port", "tcp/" + service);
}

bool family_accepts(Family f, int af) {
  return f == Family::tcp || (f == Family::tcp4 && af == AF_INET) ||
         (f == Family::tcp6 && af == AF_INET6);
}

SockAddr make_inet(int af, const void* ip, int port) {
  SockAddr a;
  if (af == AF_INET) {
    auto& in = reinterpret_cast<sockaddr_in&>(a.ss);
    in.sin_family = AF_INET;
    in.sin_port = htons(static_cast<std::uint16_t>(port));
    std::memcpy(&in.sin_addr, ip, sizeof in.sin_addr);
    a.len = sizeof in;
  } else {
    auto& in6 = reinterpret_cast<sockaddr_in6&>(a.ss);
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(static_cast<std::uint16_t>(port));
    std::memcpy(&in6.sin6_addr, ip, sizeof in6.sin6_addr);
    a.len = sizeof in6;
  }
  return a;
}

// Resolves host for the family: an IP literal at once, a name through
// getaddrinfo inside gocxx::blocking. for_listen: an empty host is every
// interface (dual-stack [::] for "tcp"); otherwise the local system.
Error resolve(Family f, const std::string& host, int port, bool for_listen,
              std::vector<SockAddr>& out) {
  if (host.empty()) {
    if (for_listen) {
      if (f == Family::tcp4) {
        in_addr any{htonl(INADDR_ANY)};
        out.push_back(make_inet(AF_INET, &any, port));
      } else {
        out.push_back(make_inet(AF_INET6, &in6addr_any, port));
        if (f == Family::tcp) {
          in_addr any{htonl(INADDR_ANY)};
          out.push_back(make_inet(AF_INET, &any, port));  // if IPv6 is unavailable
        }
      }
    } else if (f == Family::tcp6) {
      out.push_back(make_inet(AF_INET6, &in6addr_loopback, port));
    } else {
      in_addr lo{htonl(INADDR_LOOPBACK)};
      out.push_back(make_inet(AF_INET, &lo, port));
    }
    return Error();
  }
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    if (!family_accepts(f, AF_INET)) return detail::addr_error("no suitable address found", host);
    out.push_back(make_inet(AF_INET, &v4, port));
    return Error();
  }
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    if (!family_accepts(f, AF_INET6)) return detail::addr_error("no suitable address found", host);
    out.push_back(make_inet(AF_INET6, &v6, port));
    return Error();
  }
  addrinfo hints{};
  hints.ai_family = f == Family::tcp4 ? AF_INET : f == Family::tcp6 ? AF_INET6 : AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = blocking([&] { return getaddrinfo(host.c_str(), nullptr, &hints, &res); });
  if (rc != 0) {
    std::string why = rc == EAI_NONAME || rc == EAI_NODATA ? "no such host" : gai_strerror(rc);
    return detail::dns_error(host, why);
  }
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET) {
      out.push_back(
          make_inet(AF_INET, &reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr, port));
    } else if (ai->ai_family == AF_INET6) {
      out.push_back(
          make_inet(AF_INET6, &reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr, port));
    }
  }
  freeaddrinfo(res);
  if (out.empty()) return detail::addr_error("no suitable address found", host);
  return Error();
}

Error unix_addr(std::string_view name, SockAddr& out) {
  auto& un = reinterpret_cast<sockaddr_un&>(out.ss);
  un.sun_family = AF_UNIX;
  if (name.size() >= sizeof un.sun_path) return detail::syscall_error("", EINVAL);
  std::memcpy(un.sun_path, name.data(), name.size());
  if (!name.empty() && name[0] == '@') un.sun_path[0] = '\0';  // abstract
  out.len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() +
                                   (!name.empty() && name[0] == '@' ? 0 : 1));
  return Error();
}

std::string sockaddr_text(const SockAddr& a) {
  return addr_from(a.ss, a.len).to_string();
}

// A new socket, non-blocking and close-on-exec.
int new_socket(int af, int& err) {
  int fd = ::socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  err = fd < 0 ? errno : 0;
  return fd;
}

// Wraps a connected or listening descriptor; closes it on failure.
std::shared_ptr<Fd> make_fd(int sysfd, std::string net, int& err) {
  rt::PollDesc* pd = rt::poll_open(sysfd, &err);
  if (pd == nullptr) {
    ::close(sysfd);
    return nullptr;
  }
  return std::make_shared<Fd>(sysfd, pd, std::move(net));
}

void set_nodelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

Error poll_error(PollResult r, bool dial = false) {
  if (r == PollResult::closed) return err_closed;
  return dial ? detail::dial_timeout_error() : err_deadline_exceeded;
}

std::int64_t deadline_ns(const Deadline& t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t->time_since_epoch()).count();
}

}  // namespace

// ---------------------------------------------------------------------------
// Conn.
// ---------------------------------------------------------------------------

namespace {

Error conn_error(const Fd& f, const char* op, Error cause) {
  return detail::op_error(op, f.net, f.laddr.to_string(), f.raddr.to_string(), std::move(cause));
}

io::Result read_impl(const std::shared_ptr<Fd>& fd, char* buf, std::size_t len) {
  if (!fd) return {0, detail::invalid_argument()};
  Fd& f = *fd;
  FdRef ref(f);
  if (!ref) return {0, conn_error(f, "read", err_closed)};
  if (len == 0) return {0, Error()};
  std::lock_guard<sync::Mutex> serial(f.read_mu);
  PollResult pr = rt::poll_check(f.pd, PollMode::read);
  if (pr != PollResult::ready) return {0, conn_error(f, "read", poll_error(pr))};
  for (;;) {
    ssize_t n = ::read(f.sysfd, buf, len);
    if (n > 0) return {static_cast<std::size_t>(n), Error()};
    if (n == 0) return {0, io::eof};
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return {0, conn_error(f, "read", detail::syscall_error("read", errno))};
    pr = rt::poll_wait(f.pd, PollMode::read);
    if (pr != PollResult::ready) return {0, conn_error(f, "read", poll_error(pr))};
  }
}

io::Result write_impl(const std::shared_ptr<Fd>& fd, const char* data, std::size_t len) {
  if (!fd) return {0, detail::invalid_argument()};
  Fd& f = *fd;
  FdRef ref(f);
  if (!ref) return {0, conn_error(f, "write", err_closed)};
  std::lock_guard<sync::Mutex> serial(f.write_mu);
  PollResult pr = rt::poll_check(f.pd, PollMode::write);
  if (pr != PollResult::ready) return {0, conn_error(f, "write", poll_error(pr))};
  std::size_t done = 0;
  while (done < len) {
    ssize_t n = ::send(f.sysfd, data + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) {
      return {done, conn_error(f, "write", detail::syscall_error("write", errno))};
    }
    pr = rt::poll_wait(f.pd, PollMode::write);
    if (pr != PollResult::ready) return {done, conn_error(f, "write", poll_error(pr))};
  }
  return {done, Error()};
}

Error set_deadline_impl(const std::shared_ptr<Fd>& fd, const Deadline& t, bool read, bool write) {
  if (!fd) return detail::invalid_argument();
  Fd& f = *fd;
  FdRef ref(f);
  if (!ref) return detail::op_error("set", f.net, "", f.laddr.to_string(), err_closed);
  std::int64_t when = t ? deadline_ns(t) : 0;
  if (read) rt::poll_set_deadline(f.pd, PollMode::read, t.has_value(), when);
  if (write) rt::poll_set_deadline(f.pd, PollMode::write, t.has_value(), when);
  return Error();
}

Error shutdown_impl(const std::shared_ptr<Fd>& fd, int how, const char* op) {
  if (!fd) return detail::invalid_argument();
  Fd& f = *fd;
  FdRef ref(f);
  if (!ref) return conn_error(f, op, err_closed);
  if (::shutdown(f.sysfd, how) != 0) {
    return conn_error(f, op, detail::syscall_error("shutdown", errno));
  }
  return Error();
}

}  // namespace

io::Result Conn::read(std::span<char> buf) const {
  return read_impl(fd_, buf.data(), buf.size());
}
io::Result Conn::read(std::span<std::byte> buf) const {
  return read_impl(fd_, reinterpret_cast<char*>(buf.data()), buf.size());
}
io::Result Conn::write(std::string_view data) const {
  return write_impl(fd_, data.data(), data.size());
}
io::Result Conn::write(std::span<const std::byte> data) const {
  return write_impl(fd_, reinterpret_cast<const char*>(data.data()), data.size());
}

Error Conn::close() const {
  if (!fd_) return detail::invalid_argument();
  if (!fd_->close()) return conn_error(*fd_, "close", err_closed);
  return Error();
}
Error Conn::close_read() const {
  return shutdown_impl(fd_, SHUT_RD, "close");
}
Error Conn::close_write() const {
  return shutdown_impl(fd_, SHUT_WR, "close");
}
Error Conn::set_deadline(Deadline t) const {
  return set_deadline_impl(fd_, t, true, true);
}
Error Conn::set_read_deadline(Deadline t) const {
  return set_deadline_impl(fd_, t, true, false);
}
Error Conn::set_write_deadline(Deadline t) const {
  return set_deadline_impl(fd_, t, false, true);
}
Addr Conn::local_addr() const {
  return fd_ ? fd_->laddr : Addr();
}
Addr Conn::remote_addr() const {
  return fd_ ? fd_->raddr : Addr();
}

// ---------------------------------------------------------------------------
// Listener.
// ---------------------------------------------------------------------------

namespace {
Error listener_error(const Fd& f, const char* op, Error cause) {
  return detail::op_error(op, f.net, "", f.laddr.to_string(), std::move(cause));
}
}  // namespace

std::pair<Conn, Error> Listener::accept() const {
  if (!fd_) return {Conn(), detail::invalid_argument()};
  Fd& f = *fd_;
  FdRef ref(f);
  if (!ref) return {Conn(), listener_error(f, "accept", err_closed)};
  std::lock_guard<sync::Mutex> serial(f.read_mu);
  PollResult pr = rt::poll_check(f.pd, PollMode::read);
  if (pr != PollResult::ready) return {Conn(), listener_error(f, "accept", poll_error(pr))};
  for (;;) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    int nfd =
        ::accept4(f.sysfd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (nfd >= 0) {
      bool is_unix = ss.ss_family == AF_UNIX;
      if (!is_unix) set_nodelay(nfd);
      int err = 0;
      std::shared_ptr<Fd> c = make_fd(nfd, f.net, err);
      if (!c) return {Conn(), listener_error(f, "accept", detail::syscall_error("epollctl", err))};
      c->laddr = local_addr_of(nfd);
      c->raddr = is_unix ? peer_addr_of(nfd) : addr_from(ss, len);
      if (is_unix && c->raddr.to_string().empty()) c->raddr = AddrAccess::make("unix", "@", 0);
      return {Conn(std::move(c)), Error()};
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno != EAGAIN) {
      return {Conn(), listener_error(f, "accept", detail::syscall_error("accept4", errno))};
    }
    pr = rt::poll_wait(f.pd, PollMode::read);
    if (pr != PollResult::ready) return {Conn(), listener_error(f, "accept", poll_error(pr))};
  }
}

Error Listener::close() const {
  if (!fd_) return detail::invalid_argument();
  if (!fd_->close()) return listener_error(*fd_, "close", err_closed);
  return Error();
}

Addr Listener::addr() const {
  return fd_ ? fd_->laddr : Addr();
}

Error Listener::set_deadline(Deadline t) const {
  return set_deadline_impl(fd_, t, true, false);
}

// ---------------------------------------------------------------------------
// listen and dial.
// ---------------------------------------------------------------------------

namespace {

std::pair<Listener, Error> listen_unix(std::string_view address) {
  const std::string name(address);
  auto fail = [&](Error cause) {
    return std::pair<Listener, Error>{
        Listener(), detail::op_error("listen", "unix", "", name, std::move(cause))};
  };
  SockAddr sa;
  if (Error e = unix_addr(address, sa)) return fail(e);
  int err = 0;
  int fd = new_socket(AF_UNIX, err);
  if (fd < 0) return fail(detail::syscall_error("socket", err));
  if (::bind(fd, sa.get(), sa.len) != 0) {
    err = errno;
    ::close(fd);
    return fail(detail::syscall_error("bind", err));
  }
  if (::listen(fd, 4096) != 0) {
    err = errno;
    ::close(fd);
    if (name[0] != '@') ::unlink(name.c_str());
    return fail(detail::syscall_error("listen", err));
  }
  std::shared_ptr<Fd> f = make_fd(fd, "unix", err);
  if (!f) return fail(detail::syscall_error("epollctl", err));
  f->laddr = AddrAccess::make("unix", name.empty() ? std::string("@") : name, 0);
  if (!name.empty() && name[0] != '@') f->unlink_path = name;
  return {Listener(std::move(f)), Error()};
}

}  // namespace

std::pair<Listener, Error> listen(std::string_view network, std::string_view address) {
  Family fam = family_of(network);
  const std::string net(network);
  if (fam == Family::unknown) {
    return {Listener(), detail::op_error("listen", net, "", "", detail::unknown_network(network))};
  }
  if (fam == Family::unix_stream) return listen_unix(address);
  std::string host, service;
  int port = 0;
  Error e = split_host_port(address, host, service);
  if (!e) e = parse_port(service, port);
  std::vector<SockAddr> addrs;
  if (!e) e = resolve(fam, host, port, /*for_listen=*/true, addrs);
  if (e) return {Listener(), detail::op_error("listen", net, "", "", e)};
  Error first;
  for (const SockAddr& sa : addrs) {
    std::string shown = host.empty() ? ":" + std::to_string(port) : sockaddr_text(sa);
    auto fail = [&](const char* call, int err) {
      if (!first)
        first = detail::op_error("listen", net, "", shown, detail::syscall_error(call, err));
    };
    int err = 0;
    int fd = new_socket(sa.family(), err);
    if (fd < 0) {
      fail("socket", err);
      if (err == EAFNOSUPPORT) continue;
      break;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (sa.family() == AF_INET6) {
      int v6only = fam == Family::tcp6 ? 1 : 0;
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    }
    if (::bind(fd, sa.get(), sa.len) != 0) {
      err = errno;
      ::close(fd);
      fail("bind", err);
      if (err == EADDRNOTAVAIL && host.empty()) continue;
      break;
    }
    if (::listen(fd, 4096) != 0) {
      err = errno;
      ::close(fd);
      fail("listen", err);
      break;
    }
    std::shared_ptr<Fd> f = make_fd(fd, net, err);
    if (!f) {
      fail("epollctl", err);
      break;
    }
    f->laddr = local_addr_of(fd);
    return {Listener(std::move(f)), Error()};
  }
  return {Listener(), first};
}

namespace {

// What a dial waits for, shared with the context's cancellation (after_func).
struct DialState {
  std::mutex mu;
  rt::PollDesc* connecting = nullptr;  // the socket being connected, if any
  bool canceled = false;
};

// One connect attempt. deadline_ns: 0 for none.
std::pair<Conn, Error> connect_one(Family fam, const std::string& net, const SockAddr& sa,
                                   std::int64_t deadline, DialState* state) {
  const std::string shown = sockaddr_text(sa);
  auto fail = [&](Error cause) {
    return std::pair<Conn, Error>{Conn(),
                                  detail::op_error("dial", net, "", shown, std::move(cause))};
  };
  if (deadline != 0 && deadline <= rt::nanotime()) return fail(detail::dial_timeout_error());
  int err = 0;
  int fd = new_socket(sa.family(), err);
  if (fd < 0) return fail(detail::syscall_error("socket", err));
  if (fam != Family::unix_stream) set_nodelay(fd);
  // Register with the poller only once connect has started (as Go does): an
  // unconnected socket reports itself writable (and hung up).
  int rc = ::connect(fd, sa.get(), sa.len);
  if (rc != 0 && errno != EINPROGRESS && errno != EINTR && errno != EAGAIN) {
    err = errno;
    ::close(fd);
    return fail(detail::syscall_error("connect", err));
  }
  std::shared_ptr<Fd> f = make_fd(fd, net, err);
  if (!f) return fail(detail::syscall_error("epollctl", err));
  if (rc != 0) {
    if (deadline != 0) rt::poll_set_deadline(f->pd, PollMode::write, true, deadline);
    if (state != nullptr) {
      std::lock_guard<std::mutex> guard(state->mu);
      if (state->canceled) return fail(detail::dial_canceled_error());
      state->connecting = f->pd;
    }
    Error failure;
    for (;;) {
      PollResult pr = rt::poll_wait(f->pd, PollMode::write);
      if (pr != PollResult::ready) {
        bool canceled = false;
        if (state != nullptr) {
          std::lock_guard<std::mutex> guard(state->mu);
          canceled = state->canceled;
        }
        failure = canceled ? detail::dial_canceled_error() : poll_error(pr, /*dial=*/true);
        break;
      }
      int so_error = 0;
      socklen_t len = sizeof so_error;
      if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0) so_error = errno;
      if (so_error == 0) {
        // A wake-up is no proof: connected only if there is a peer.
        sockaddr_storage peer{};
        socklen_t plen = sizeof peer;
        if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &plen) == 0) break;
        if (errno == ENOTCONN) continue;
        failure = detail::syscall_error("getpeername", errno);
        break;
      }
      if (so_error == EINPROGRESS || so_error == EALREADY || so_error == EINTR) continue;
      failure = detail::syscall_error("connect", so_error);
      break;
    }
    if (state != nullptr) {
      std::lock_guard<std::mutex> guard(state->mu);
      state->connecting = nullptr;
    }
    if (failure) return fail(failure);
    rt::poll_set_deadline(f->pd, PollMode::write, false, 0);
  }
  f->laddr = local_addr_of(fd);
  f->raddr = fam == Family::unix_stream ? addr_from(sa.ss, sa.len) : peer_addr_of(fd);
  if (f->raddr.network().empty()) f->raddr = addr_from(sa.ss, sa.len);
  return {Conn(std::move(f)), Error()};
}

std::pair<Conn, Error> dial_impl(std::string_view network, std::string_view address,
                                 std::int64_t deadline, DialState* state) {
  Family fam = family_of(network);
  const std::string net(network);
  if (fam == Family::unknown) {
    return {Conn(), detail::op_error("dial", net, "", "", detail::unknown_network(network))};
  }
  std::vector<SockAddr> addrs;
  if (fam == Family::unix_stream) {
    SockAddr sa;
    if (Error e = unix_addr(address, sa)) {
      return {Conn(), detail::op_error("dial", net, "", std::string(address), e)};
    }
    addrs.push_back(sa);
  } else {
    std::string host, service;
    int port = 0;
    Error e = split_host_port(address, host, service);
    if (!e) e = parse_port(service, port);
    if (!e) e = resolve(fam, host, port, /*for_listen=*/false, addrs);
    if (e) return {Conn(), detail::op_error("dial", net, "", "", e)};
  }
  std::pair<Conn, Error> first;
  for (const SockAddr& sa : addrs) {
    auto r = connect_one(fam, net, sa, deadline, state);
    if (!r.second) return r;
    if (!first.second) first = std::move(r);
    if (errors::is(first.second, context::deadline_exceeded) ||
        errors::is(first.second, context::canceled)) {
      break;
    }
  }
  return first;
}

std::int64_t deadline_after_ns(std::int64_t timeout) {
  if (timeout == 0) return 0;
  std::int64_t now = rt::nanotime();
  if (timeout < 0) return now + timeout < 1 ? 1 : now + timeout;
  return timeout > INT64_MAX - now ? INT64_MAX : now + timeout;
}

}  // namespace

std::pair<Conn, Error> dial(std::string_view network, std::string_view address) {
  return dial_impl(network, address, 0, nullptr);
}

std::pair<Conn, Error> dial_timeout_ns(std::string_view network, std::string_view address,
                                       std::int64_t timeout_ns) {
  return dial_impl(network, address, deadline_after_ns(timeout_ns), nullptr);
}

std::pair<Conn, Error> dial_context(const context::Context& ctx, std::string_view network,
                                    std::string_view address) {
  if (Error e = ctx.err()) {
    Error cause = errors::is(e, context::canceled) ? detail::dial_canceled_error()
                                                   : detail::dial_timeout_error();
    return {Conn(), detail::op_error("dial", std::string(network), "", "", cause)};
  }
  std::int64_t deadline = 0;
  if (auto d = ctx.deadline()) {
    deadline = deadline_ns(d);
    if (deadline <= 0) deadline = 1;
  }
  auto state = std::make_shared<DialState>();
  auto stop = context::after_func(ctx, [state, ctx] {
    bool canceled = errors::is(ctx.err(), context::canceled);
    std::lock_guard<std::mutex> guard(state->mu);
    state->canceled = canceled;
    // Interrupt the connect the way Go does: a deadline long past.
    if (state->connecting != nullptr) {
      rt::poll_set_deadline(state->connecting, PollMode::write, true, 1);
    }
  });
  auto result = dial_impl(network, address, deadline, state.get());
  stop();
  return result;
}

}  // namespace gocxx::net
