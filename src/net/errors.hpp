// The net package's error types (Go's *net.OpError, *os.SyscallError,
// *net.AddrError, *net.DNSError, net.UnknownNetworkError), shared by its files.
#pragma once

#include <string>
#include <utility>

#include "gocxx/errors.hpp"

namespace gocxx::net::detail {

// Go's syscall.Errno text: glibc's strerror with its first letter in lower case.
std::string errno_text(int err);

// os.SyscallError: "<call>: <errno text>".
class SyscallError : public errors::ErrorBase {
 public:
  SyscallError(std::string call, int err) : call_(std::move(call)), err_(err) {}
  // An empty call is a bare syscall.Errno.
  std::string message() const override {
    return call_.empty() ? errno_text(err_) : call_ + ": " + errno_text(err_);
  }
  bool timeout() const override;
  bool temporary() const override;
  int err() const noexcept { return err_; }

 private:
  std::string call_;
  int err_;
};

// net.AddrError: "address <addr>: <err>" (just <err> without an address).
class AddrError : public errors::ErrorBase {
 public:
  AddrError(std::string err, std::string addr) : err_(std::move(err)), addr_(std::move(addr)) {}
  std::string message() const override {
    return addr_.empty() ? err_ : "address " + addr_ + ": " + err_;
  }

 private:
  std::string err_;
  std::string addr_;
};

// net.OpError: "<op> <net> [<source>-><addr>|<addr>]: <cause>".
class OpError : public errors::ErrorBase {
 public:
  OpError(std::string op, std::string net, std::string source, std::string addr, Error cause)
      : op_(std::move(op)),
        net_(std::move(net)),
        source_(std::move(source)),
        addr_(std::move(addr)),
        cause_(std::move(cause)) {}
  std::string message() const override;
  const Error* unwrap() const override { return &cause_; }
  bool timeout() const override { return cause_ && cause_.get()->timeout(); }
  bool temporary() const override { return cause_ && cause_.get()->temporary(); }

 private:
  std::string op_;
  std::string net_;
  std::string source_;
  std::string addr_;
  Error cause_;
};

Error syscall_error(const char* call, int err);
Error addr_error(std::string err, std::string addr);
Error op_error(std::string op, std::string net, std::string source, std::string addr, Error cause);
Error unknown_network(std::string_view network);
Error dns_error(std::string name, std::string err);
// A dial that ran out of time: "i/o timeout", unwrapping to context::deadline_exceeded.
Error dial_timeout_error();
// A dial whose context was cancelled: "operation was canceled", unwrapping to
// context::canceled.
Error dial_canceled_error();
// EINVAL's text, for methods of nil handles.
Error invalid_argument();

}  // namespace gocxx::net::detail
