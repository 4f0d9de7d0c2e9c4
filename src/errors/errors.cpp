#include "gocxx/errors.hpp"

#include "runtime/sanitizers.hpp"

namespace gocxx::detail {

void keep_forever([[maybe_unused]] const void* p) noexcept {
#if defined(GOCXX_ASAN)
  __lsan_ignore_object(p);
#endif
}

}  // namespace gocxx::detail

namespace gocxx::errors {
namespace {

class TextError final : public ErrorBase {
 public:
  explicit TextError(std::string text) : text_(std::move(text)) {}
  std::string message() const override { return text_; }

 private:
  std::string text_;
};

class WrappedError final : public ErrorBase {
 public:
  WrappedError(Error inner, std::string context)
      : inner_(std::move(inner)), context_(std::move(context)) {}
  std::string message() const override { return context_ + ": " + inner_.message(); }
  const Error* unwrap() const override { return &inner_; }
  bool timeout() const override { return inner_.get()->timeout(); }
  bool temporary() const override { return inner_.get()->temporary(); }

 private:
  Error inner_;
  std::string context_;
};

}  // namespace

Error make(std::string text) {
  return Error::from<TextError>(std::move(text));
}

Error sentinel(std::string text) {
  return Error::from_static<TextError>(std::move(text));
}

Error wrap(const Error& err, std::string context) {
  if (!err) return Error();
  return Error::from<WrappedError>(err, std::move(context));
}

Error unwrap(const Error& err) {
  if (!err) return Error();
  const Error* inner = err.get()->unwrap();
  return inner != nullptr ? *inner : Error();
}

bool is(const Error& err, const Error& target) {
  const Error* e = &err;
  while (e != nullptr && *e) {
    if (*e == target) return true;
    e = e->get()->unwrap();
  }
  return !err && !target;  // errors.Is(nil, nil) is true
}

}  // namespace gocxx::errors
