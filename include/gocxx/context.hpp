// The context package: cancellation, deadlines and request-scoped values.
//
//   auto [ctx, cancel] = context::with_timeout(context::background(), 1s);
//   switch (select(recv(results, r), recv(ctx.done()))) {
//     case 1: return ctx.err();   // context::deadline_exceeded or context::canceled
//   }
//
// A Context is a cheap copyable handle, safe to share between goroutines. Go's rules
// hold: cancelling a context cancels every context derived from it; a child never
// outlives its parent's deadline; the first cancellation wins; err() is no error
// until done() is closed, then canceled ("context canceled") or deadline_exceeded
// ("context deadline exceeded") for good; cause() is the cancellation cause, else
// err(); done() of a context that can never be cancelled is a nil channel (so
// `recv(ctx.done())` in a select simply never fires). Cancelling, or dropping the
// last handle of, a derived context detaches it from its parent: long-lived parents
// do not accumulate children.
//
// with_value keys may be any equality-comparable value and match by type and value
// (Key1{1} never matches Key2{1}); string literals are stored as std::string, for
// keys and values alike.
#pragma once

#include <any>
#include <concepts>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "chan.hpp"
#include "errors.hpp"
#include "time.hpp"

namespace gocxx::context {

// Go's context.Canceled and context.DeadlineExceeded (whose timeout() is true).
extern const Error canceled;
extern const Error deadline_exceeded;

class Context;

}  // namespace gocxx::context

namespace gocxx::detail {

class Node;  // a context's shared state (src/context/context.cpp)

// String literals and C strings become std::string, so they compare by content.
template <class T>
using Stored = std::conditional_t<std::is_convertible_v<std::decay_t<T>, const char*> &&
                                      !std::is_same_v<std::decay_t<T>, std::nullptr_t>,
                                  std::string, std::decay_t<T>>;

template <class K>
bool key_equals(const std::any& stored, const void* key) {
  const K* k = std::any_cast<K>(&stored);
  return k != nullptr && *k == *static_cast<const K*>(key);
}

struct KeyRef {
  const std::type_info* type;
  const void* key;
  bool (*equals)(const std::any& stored, const void* key);
};

std::any lookup(const Node* node, const KeyRef& key);

}  // namespace gocxx::detail

namespace gocxx::context {

class Context {
 public:
  // A nil Context (Go's nil): deriving from it panics
  // "cannot create context from nil parent".
  Context() noexcept = default;
  explicit Context(std::shared_ptr<detail::Node> node) noexcept : node_(std::move(node)) {}

  // When the work done on behalf of this context should be cancelled, if ever.
  std::optional<time::Time> deadline() const;
  // Closed when the work should stop; nil if this context can never be cancelled.
  RecvChan<> done() const;
  // No error until done() is closed; then canceled or deadline_exceeded.
  Error err() const;

  // The value bound to key (matching type and value) here or in an ancestor, or an
  // empty std::any.
  template <class K>
  std::any value(const K& key) const {
    using Key = detail::Stored<K>;
    Key k(key);
    return detail::lookup(node_.get(), {&typeid(Key), &k, &detail::key_equals<Key>});
  }
  // The value as a T, if there is one of that type.
  template <class T, class K>
  std::optional<T> value(const K& key) const {
    std::any v = value(key);
    if (const T* p = std::any_cast<T>(&v)) return *p;
    return std::nullopt;
  }

  explicit operator bool() const noexcept { return node_ != nullptr; }
  // Go's String(): "context.Background.WithCancel" and so on.
  std::string to_string() const;

  const std::shared_ptr<detail::Node>& node() const noexcept { return node_; }

 private:
  std::shared_ptr<detail::Node> node_;
};

// Cancels its context with `canceled`. Copyable; calls after the first do nothing.
class CancelFunc {
 public:
  CancelFunc() noexcept = default;
  explicit CancelFunc(std::shared_ptr<detail::Node> node) noexcept : node_(std::move(node)) {}
  void operator()() const;

 private:
  std::shared_ptr<detail::Node> node_;
};

// Cancels its context with `canceled` and the given cause (no error: canceled).
class CancelCauseFunc {
 public:
  CancelCauseFunc() noexcept = default;
  explicit CancelCauseFunc(std::shared_ptr<detail::Node> node) noexcept : node_(std::move(node)) {}
  void operator()(Error cause) const;

 private:
  std::shared_ptr<detail::Node> node_;
};

// The root of every context tree: never cancelled, no deadline, no values.
Context background();
// The same, as a placeholder where it is unclear which context to use.
Context todo();

std::pair<Context, CancelFunc> with_cancel(const Context& parent);
std::pair<Context, CancelCauseFunc> with_cancel_cause(const Context& parent);

// Cancelled at `deadline` (with deadline_exceeded; with_deadline_cause also records
// `cause` as its cause) unless cancelled earlier. If the parent's deadline is
// earlier, this is with_cancel. A deadline already past cancels it at once.
std::pair<Context, CancelFunc> with_deadline(const Context& parent, time::Time deadline);
std::pair<Context, CancelFunc> with_deadline_cause(const Context& parent, time::Time deadline,
                                                   Error cause);

template <class Rep, class Period>
std::pair<Context, CancelFunc> with_timeout(const Context& parent,
                                            std::chrono::duration<Rep, Period> timeout) {
  return with_deadline_cause(parent, time::add(time::now(), timeout), Error());
}

template <class Rep, class Period>
std::pair<Context, CancelFunc> with_timeout_cause(const Context& parent,
                                                  std::chrono::duration<Rep, Period> timeout,
                                                  Error cause) {
  return with_deadline_cause(parent, time::add(time::now(), timeout), std::move(cause));
}

}  // namespace gocxx::context

namespace gocxx::detail {
context::Context with_value_any(const context::Context& parent, std::any key, std::any value,
                                bool (*equals)(const std::any&, const void*), std::string key_text,
                                std::string value_text);

template <class T>
std::string describe(const T& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    return v;
  } else if constexpr (std::is_arithmetic_v<T>) {
    return std::to_string(v);
  } else {
    return typeid(T).name();
  }
}
}  // namespace gocxx::detail

namespace gocxx::context {

// A context carrying key -> value.
template <class K, class V>
requires std::equality_comparable<detail::Stored<K>> Context with_value(const Context& parent,
                                                                        K&& key, V&& value) {
  using Key = detail::Stored<K>;
  using Val = detail::Stored<V>;
  if constexpr (std::is_same_v<std::decay_t<K>, std::nullptr_t>) {
    throw Panic("nil key");
  } else {
    Key k(std::forward<K>(key));
    Val v(std::forward<V>(value));
    std::string kt = detail::describe(k);
    std::string vt = detail::describe(v);
    return detail::with_value_any(parent, std::any(std::move(k)), std::any(std::move(v)),
                                  &detail::key_equals<Key>, std::move(kt), std::move(vt));
  }
}

// A context with the parent's values that is never cancelled with it: no deadline,
// no error, a nil done().
Context without_cancel(const Context& parent);

// Arranges for f to run in its own goroutine once ctx is done (at once if it already
// is). The returned stop function cancels that: it returns true if it prevented f
// from running, false if f was started or stop was already called.
std::function<bool()> after_func(const Context& ctx, std::function<void()> f);

// The cause ctx was cancelled with, else ctx.err(); no error while ctx is live.
Error cause(const Context& ctx);

}  // namespace gocxx::context
