// A socket of the net package (Go's internal/poll.FD with its fdMutex): the
// descriptor, its poller registration, and the reference count that keeps the
// descriptor number from being closed (and reused) while an operation still uses it.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "gocxx/net.hpp"
#include "gocxx/sync.hpp"
#include "runtime/netpoll.hpp"

namespace gocxx::net::detail {

struct AddrAccess {
  static Addr make(std::string network, std::string host, int port) {
    Addr a;
    a.network_ = std::move(network);
    a.host_ = std::move(host);
    a.port_ = port;
    return a;
  }
  static const std::string& host(const Addr& a) { return a.host_; }
};

struct Fd {
  Fd(int sysfd, rt::PollDesc* pd, std::string net) : sysfd(sysfd), pd(pd), net(std::move(net)) {}
  ~Fd();
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  // An operation holds a reference for as long as it uses sysfd. False once closed.
  bool acquire() noexcept;
  void release() noexcept;
  // Marks the socket closed and wakes its waiters; the descriptor itself is closed
  // when the last operation releases it. False if it was closed already.
  bool close() noexcept;

  const int sysfd;
  rt::PollDesc* const pd;
  const std::string net;  // as the user named it: tcp, tcp4, tcp6, unix
  Addr laddr;
  Addr raddr;
  std::string unlink_path;  // a Unix listener's socket file, removed on close
  sync::Mutex read_mu;      // one read (or accept) at a time
  sync::Mutex write_mu;     // one write at a time

 private:
  static constexpr std::uint64_t kClosed = std::uint64_t{1} << 63;
  void destroy() noexcept;
  std::atomic<std::uint64_t> state_{0};  // kClosed | operations in flight
};

// Holds a reference for one operation.
class FdRef {
 public:
  explicit FdRef(Fd& fd) noexcept : fd_(fd), ok_(fd.acquire()) {}
  ~FdRef() {
    if (ok_) fd_.release();
  }
  FdRef(const FdRef&) = delete;
  FdRef& operator=(const FdRef&) = delete;
  explicit operator bool() const noexcept { return ok_; }

 private:
  Fd& fd_;
  bool ok_;
};

}  // namespace gocxx::net::detail
