// select (Go's select statement).
//
//   std::optional<int> v;
//   switch (gocxx::select(gocxx::recv(c1, v),          // v, ok := <-c1
//                         gocxx::recv(done),           // <-done
//                         gocxx::send(out, 42),        // out <- 42
//                         gocxx::default_case())) {    // default:
//     case 0: use(v); break;
//     case 1: return;
//     ...
//   }
//   gocxx::select(gocxx::recv(c1, [&](std::optional<int> v) { ... }),
//                 gocxx::send(out, 42, [&] { ... }));
//
// select returns the 0-based index of the case that ran, after running that case's
// handler, if any. As in Go: among the cases that can proceed one is chosen uniformly
// at random; with none ready the default case runs if present, else select blocks;
// nil channels never proceed; select() with no cases blocks forever; a send case on
// a closed channel throws Panic("send on closed channel") when it is chosen. Send
// values are evaluated when the case is built; recv(ch, v) assigns v only when its
// case runs. Channels are locked in address order, so concurrent selects over the
// same channels never deadlock.
//
// The dynamic form (Go's reflect.Select) takes a runtime-sized list:
//   std::vector<gocxx::SelectCase> cases;
//   cases.emplace_back(gocxx::recv(ch));
//   int i = gocxx::select(cases);
//   std::optional<int>& got = cases[i].received<int>();
#pragma once

#include <concepts>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "chan.hpp"
#include "detail/select_core.hpp"

namespace gocxx {
namespace detail {

template <class C>
concept RecvableChan = requires {
  typename std::remove_cvref_t<C>::value_type;
}
&&(std::is_same_v<std::remove_cvref_t<C>, Chan<typename std::remove_cvref_t<C>::value_type>> ||
   std::is_same_v<std::remove_cvref_t<C>, RecvChan<typename std::remove_cvref_t<C>::value_type>>);

template <class C>
concept SendableChan = requires {
  typename std::remove_cvref_t<C>::value_type;
}
&&(std::is_same_v<std::remove_cvref_t<C>, Chan<typename std::remove_cvref_t<C>::value_type>> ||
   std::is_same_v<std::remove_cvref_t<C>, SendChan<typename std::remove_cvref_t<C>::value_type>>);

// A case keeps its channel alive only when it was built from a temporary handle;
// an lvalue handle outlives the select expression it is used in.
class CaseChan {
 public:
  template <class C>
  explicit CaseChan(C&& c) {
    if constexpr (std::is_lvalue_reference_v<C>) {
      core_ = c.core();
    } else {
      owned_ = ChanHandle(static_cast<ChanHandle&&>(c));
      core_ = owned_.core();
    }
  }
  ChanCore* core() const noexcept { return core_; }
  void own() {  // for SelectCase, which may outlive the handle it was built from
    if (owned_.core() == nullptr && core_ != nullptr) {
      chan_retain(core_);
      owned_ = ChanHandle(core_);
    }
  }

 private:
  ChanCore* core_ = nullptr;
  ChanHandle owned_;
};

struct NoHandler {};

}  // namespace detail

template <class T, class Sink>
class RecvCase {
 public:
  using value_type = T;
  template <class C, class S>
  RecvCase(C&& c, S&& sink) : chan_(std::forward<C>(c)), sink_(std::forward<S>(sink)) {}
  RecvCase(RecvCase&&) noexcept = default;
  RecvCase(const RecvCase&) = delete;

  detail::CaseRef ref() noexcept { return {chan_.core(), slot_.raw(), detail::CaseKind::recv}; }
  void complete(bool ok) {
    std::optional<T> v;
    if (ok) v.emplace(slot_.take());
    if constexpr (std::is_same_v<Sink, detail::NoHandler>) {
      received_ = std::move(v);
    } else if constexpr (std::is_same_v<Sink, std::optional<T>*>) {
      *sink_ = std::move(v);
    } else {
      sink_(std::move(v));
    }
  }
  std::optional<T>& received() noexcept { return received_; }
  void own() { chan_.own(); }

 private:
  detail::CaseChan chan_;
  Sink sink_;
  detail::ElemSlot<T> slot_;
  std::optional<T> received_;
};

template <class T, class Handler>
class SendCase {
 public:
  using value_type = T;
  template <class C, class V, class H>
  SendCase(C&& c, V&& v, H&& h)
      : chan_(std::forward<C>(c)), value_(std::forward<V>(v)), handler_(std::forward<H>(h)) {}
  SendCase(SendCase&&) noexcept = default;
  SendCase(const SendCase&) = delete;

  detail::CaseRef ref() noexcept { return {chan_.core(), &value_, detail::CaseKind::send}; }
  void complete(bool /*ok*/) {
    if constexpr (!std::is_same_v<Handler, detail::NoHandler>) handler_();
  }
  void own() { chan_.own(); }

 private:
  detail::CaseChan chan_;
  T value_;
  Handler handler_;
};

template <class Handler>
class DefaultCase {
 public:
  template <class H>
  explicit DefaultCase(H&& h) : handler_(std::forward<H>(h)) {}
  detail::CaseRef ref() noexcept { return {nullptr, nullptr, detail::CaseKind::fallback}; }
  void complete(bool /*ok*/) {
    if constexpr (!std::is_same_v<Handler, detail::NoHandler>) handler_();
  }
  void own() {}

 private:
  Handler handler_;
};

// <-ch (value discarded in the static form; kept in SelectCase::received()).
template <detail::RecvableChan C>
[[nodiscard]] auto recv(C&& ch) {
  using T = typename std::remove_cvref_t<C>::value_type;
  return RecvCase<T, detail::NoHandler>(std::forward<C>(ch), detail::NoHandler{});
}

// v, ok := <-ch: assigns v (empty when the channel is closed) if the case runs.
template <detail::RecvableChan C>
[[nodiscard]] auto recv(C&& ch, std::optional<typename std::remove_cvref_t<C>::value_type>& v) {
  using T = typename std::remove_cvref_t<C>::value_type;
  return RecvCase<T, std::optional<T>*>(std::forward<C>(ch), &v);
}

// <-ch with a handler taking std::optional<T>.
template <detail::RecvableChan C, class H>
requires std::invocable<H&, std::optional<typename std::remove_cvref_t<C>::value_type>>
[[nodiscard]] auto recv(C&& ch, H&& handler) {
  using T = typename std::remove_cvref_t<C>::value_type;
  return RecvCase<T, std::decay_t<H>>(std::forward<C>(ch), std::forward<H>(handler));
}

// ch <- value.
template <detail::SendableChan C, class V>
requires std::constructible_from<typename std::remove_cvref_t<C>::value_type,
                                 V &&> [[nodiscard]] auto
send(C&& ch, V&& value) {
  using T = typename std::remove_cvref_t<C>::value_type;
  return SendCase<T, detail::NoHandler>(std::forward<C>(ch), std::forward<V>(value),
                                        detail::NoHandler{});
}

// ch <- value, then handler().
template <detail::SendableChan C, class V, class H>
requires std::constructible_from<typename std::remove_cvref_t<C>::value_type, V &&>&&
    std::invocable<H&> [[nodiscard]] auto
    send(C&& ch, V&& value, H&& handler) {
  using T = typename std::remove_cvref_t<C>::value_type;
  return SendCase<T, std::decay_t<H>>(std::forward<C>(ch), std::forward<V>(value),
                                      std::forward<H>(handler));
}

[[nodiscard]] inline auto default_case() {
  return DefaultCase<detail::NoHandler>(detail::NoHandler{});
}

template <class H>
requires std::invocable<H&>
[[nodiscard]] auto default_case(H&& handler) {
  return DefaultCase<std::decay_t<H>>(std::forward<H>(handler));
}

namespace detail {
template <class T>
struct IsDefaultCase : std::false_type {};
template <class H>
struct IsDefaultCase<DefaultCase<H>> : std::true_type {};

template <class... Cases, std::size_t... I>
void complete_case(int index, bool ok, std::index_sequence<I...>, Cases&... cases) {
  ((static_cast<int>(I) == index ? (cases.complete(ok), 0) : 0), ...);
}
}  // namespace detail

// select {} : blocks forever.
[[noreturn]] void select();

// The static select: returns the index of the case that ran.
template <class... Cases>
requires(sizeof...(Cases) > 0) int select(Cases&&... cases) {
  static_assert((0 + ... + detail::IsDefaultCase<std::remove_cvref_t<Cases>>::value) <= 1,
                "select: multiple default cases");
  detail::CaseRef refs[] = {cases.ref()...};
  detail::SelectResult r = detail::select_core(refs, static_cast<int>(sizeof...(Cases)));
  detail::complete_case(r.index, r.recv_ok, std::index_sequence_for<Cases...>{}, cases...);
  return r.index;
}

// One case of the dynamic form: built from recv(...), send(...) or default_case().
class SelectCase {
 public:
  template <class Case>
  requires requires(Case& c) {
    c.ref();
    c.complete(true);
    c.own();
  }
  SelectCase(Case&& c)  // NOLINT(google-explicit-constructor): reads like Go's SelectCase
      : impl_(std::make_unique<Model<std::remove_cvref_t<Case>>>(std::forward<Case>(c))) {
    impl_->own();
  }

  detail::CaseRef ref() { return impl_->ref(); }
  void complete(bool ok) { impl_->complete(ok); }

  // For a recv(ch) case without handler or binding: the value its last run
  // received (empty when the channel was closed).
  template <class T>
  std::optional<T>& received() {
    using Recv = RecvCase<T, detail::NoHandler>;
    auto* m = dynamic_cast<Model<Recv>*>(impl_.get());
    if (m == nullptr) throw std::logic_error("SelectCase::received: not a recv(Chan<T>) case");
    return m->c.received();
  }

 private:
  struct Concept {
    virtual ~Concept() = default;
    virtual detail::CaseRef ref() = 0;
    virtual void complete(bool ok) = 0;
    virtual void own() = 0;
  };
  template <class Case>
  struct Model final : Concept {
    explicit Model(Case&& c) : c(std::move(c)) {}
    detail::CaseRef ref() override { return c.ref(); }
    void complete(bool ok) override { c.complete(ok); }
    void own() override { c.own(); }
    Case c;
  };
  std::unique_ptr<Concept> impl_;
};

// The dynamic select (Go's reflect.Select). More than one default case throws
// Panic("reflect.Select: multiple default cases"); an empty list blocks forever.
int select(std::span<SelectCase> cases);
inline int select(std::vector<SelectCase>& cases) {
  return select(std::span<SelectCase>(cases));
}

}  // namespace gocxx
