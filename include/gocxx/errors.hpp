// Go's error values and panics.
//
//   gocxx::Error err = do_something();
//   if (err) return errors::wrap(err, "loading config");   // fmt.Errorf("loading config: %w", err)
//   if (errors::is(err, context::canceled)) ...              // errors.Is
//
// gocxx::Error is Go's `error`: a cheap copyable value; default-constructed means
// "no error"; `explicit operator bool` is true when it holds one; == compares
// identity, so sentinel errors (errors::make at namespace scope) compare equal only
// to themselves. Custom error types derive from errors::ErrorBase and are made with
// Error::from<T>(args...); errors::as<T>(err) finds one in a wrap chain.
//
// Runtime panics (`send on closed channel`, `close of nil channel`, ...) are thrown
// as gocxx::Panic. A panic nobody catches in a goroutine prints `panic: <what()>`
// and the goroutine's traceback and ends the process with exit status 2;
// `recover()` is `catch (const gocxx::Panic&)`.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

namespace gocxx {

class Panic : public std::logic_error {
 public:
  explicit Panic(const std::string& what) : std::logic_error(what) {}
  explicit Panic(const char* what) : std::logic_error(what) {}
};

class Error;

namespace detail {
// Tells leak checkers that p is meant to live for ever.
void keep_forever(const void* p) noexcept;
}  // namespace detail

namespace errors {

// The interface an error value implements (Go's `error` plus Unwrap and the
// optional Timeout/Temporary methods net.Error adds).
class ErrorBase {
 public:
  virtual ~ErrorBase() = default;
  virtual std::string message() const = 0;
  // The error this one wraps (Go's Unwrap), or no error.
  virtual const Error* unwrap() const { return nullptr; }
  virtual bool timeout() const { return false; }
  virtual bool temporary() const { return false; }
};

}  // namespace errors

class Error {
 public:
  Error() noexcept = default;
  explicit Error(std::shared_ptr<const errors::ErrorBase> impl) noexcept : impl_(std::move(impl)) {}

  template <class T, class... Args>
  static Error from(Args&&... args) {
    return Error(std::make_shared<const T>(std::forward<Args>(args)...));
  }

  // An error that lives for the rest of the program and whose copies cost no
  // reference counting: for package-level sentinels (Go's `var ErrX = ...`), which
  // get copied into every result that reports them, from every thread at once.
  template <class T, class... Args>
  static Error from_static(Args&&... args) {
    const T* forever = new T(std::forward<Args>(args)...);  // never freed, by design
    detail::keep_forever(forever);
    // An empty owner: the pointer is shared without a control block to count.
    return Error(std::shared_ptr<const errors::ErrorBase>(
        std::shared_ptr<const errors::ErrorBase>(), forever));
  }

  explicit operator bool() const noexcept { return impl_ != nullptr; }
  // Go's err.Error(); "<nil>" for no error, as fmt prints a nil error.
  std::string message() const { return impl_ ? impl_->message() : std::string("<nil>"); }
  const errors::ErrorBase* get() const noexcept { return impl_.get(); }

  friend bool operator==(const Error& a, const Error& b) noexcept { return a.impl_ == b.impl_; }

 private:
  std::shared_ptr<const errors::ErrorBase> impl_;
};

namespace errors {

// errors.New(text): a new, distinct error.
Error make(std::string text);

// errors.New for a package-level sentinel: like make, but the error is never freed
// and copying it costs no atomic operation (Error::from_static).
Error sentinel(std::string text);

// fmt.Errorf("<context>: %w", err): an error whose message is "<context>: " followed
// by err's, and which unwraps to err. Wrapping no error gives no error.
Error wrap(const Error& err, std::string context);

// errors.Unwrap.
Error unwrap(const Error& err);

// errors.Is: err or any error in its wrap chain is target.
bool is(const Error& err, const Error& target);

// errors.As: the first error in err's chain of dynamic type T, or nullptr.
template <class T>
const T* as(const Error& err) {
  const Error* e = &err;
  while (e != nullptr && *e) {
    if (const auto* t = dynamic_cast<const T*>(e->get())) return t;
    e = e->get()->unwrap();
  }
  return nullptr;
}

}  // namespace errors
}  // namespace gocxx
