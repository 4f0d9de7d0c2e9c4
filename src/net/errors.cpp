#include "net/errors.hpp"

#include <cerrno>
#include <cstring>

#include "gocxx/context.hpp"
#include "gocxx/io.hpp"
#include "gocxx/net.hpp"

namespace gocxx {

namespace io {
const Error eof = errors::sentinel("EOF");
const Error err_unexpected_eof = errors::sentinel("unexpected EOF");
const Error err_short_write = errors::sentinel("short write");
}  // namespace io

namespace net {

namespace {

class DeadlineExceededError : public errors::ErrorBase {
 public:
  std::string message() const override { return "i/o timeout"; }
  bool timeout() const override { return true; }
  bool temporary() const override { return true; }
};

// The same text and kind; it unwraps to context's error (Go's errTimeout Is it).
class DialTimeoutError : public DeadlineExceededError {
 public:
  const Error* unwrap() const override { return &context::deadline_exceeded; }
};

class DialCanceledError : public errors::ErrorBase {
 public:
  std::string message() const override { return "operation was canceled"; }
  const Error* unwrap() const override { return &context::canceled; }
};

class UnknownNetworkError : public errors::ErrorBase {
 public:
  explicit UnknownNetworkError(std::string_view net) : net_(net) {}
  std::string message() const override { return "unknown network " + net_; }

 private:
  std::string net_;
};

class DnsError : public errors::ErrorBase {
 public:
  DnsError(std::string name, std::string err) : name_(std::move(name)), err_(std::move(err)) {}
  std::string message() const override { return "lookup " + name_ + ": " + err_; }

 private:
  std::string name_;
  std::string err_;
};

}  // namespace

const Error err_closed = errors::sentinel("use of closed network connection");
const Error err_deadline_exceeded = Error::from_static<DeadlineExceededError>();

bool is_timeout(const Error& err) {
  for (const Error* e = &err; e != nullptr && *e; e = e->get()->unwrap()) {
    if (e->get()->timeout() || *e == context::deadline_exceeded) return true;
  }
  return false;
}

int errno_of(const Error& err) {
  const auto* s = errors::as<detail::SyscallError>(err);
  return s != nullptr ? s->err() : 0;
}

namespace detail {

std::string errno_text(int err) {
  char buf[256];
  std::string text = strerror_r(err, buf, sizeof buf);  // GNU: returns the text
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = static_cast<char>(text[0] + 32);
  return text;
}

bool SyscallError::timeout() const {
  return err_ == ETIMEDOUT || err_ == EAGAIN;
}
bool SyscallError::temporary() const {
  return err_ == EINTR || err_ == EMFILE || err_ == ENFILE || err_ == ECONNRESET ||
         err_ == ECONNABORTED || timeout();
}

std::string OpError::message() const {
  std::string s = op_ + " " + net_;
  if (!addr_.empty()) {
    s += " ";
    if (!source_.empty()) s += source_ + "->";
    s += addr_;
  }
  s += ": ";
  s += cause_.message();
  return s;
}

Error syscall_error(const char* call, int err) {
  return Error::from<SyscallError>(call, err);
}
Error addr_error(std::string err, std::string addr) {
  return Error::from<AddrError>(std::move(err), std::move(addr));
}
Error op_error(std::string op, std::string net, std::string source, std::string addr, Error cause) {
  return Error::from<OpError>(std::move(op), std::move(net), std::move(source), std::move(addr),
                              std::move(cause));
}
Error unknown_network(std::string_view network) {
  return Error::from<UnknownNetworkError>(network);
}
Error dns_error(std::string name, std::string err) {
  return Error::from<DnsError>(std::move(name), std::move(err));
}
Error dial_timeout_error() {
  static const Error e = Error::from_static<DialTimeoutError>();
  return e;
}
Error dial_canceled_error() {
  static const Error e = Error::from_static<DialCanceledError>();
  return e;
}
Error invalid_argument() {
  return syscall_error("", EINVAL);
}

}  // namespace detail
}  // namespace net
}  // namespace gocxx
