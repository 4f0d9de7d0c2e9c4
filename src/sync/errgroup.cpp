// golang.org/x/sync/errgroup, after its errgroup.go: a WaitGroup, the first error
// (kept once), an optional context cancelled with it, and an optional limit
// implemented as a buffered channel of tokens.
#include <exception>
#include <string>

#include "gocxx/select.hpp"
#include "gocxx/xsync.hpp"

namespace gocxx::sync {

struct ErrGroup::State {
  WaitGroup wg;
  Chan<> sem;  // nil: no limit; else one token per running goroutine
  bool has_cancel = false;
  context::CancelCauseFunc cancel;
  Once first_error;
  Error err;
  Once first_panic;          // kept apart from errors: an exception is never dropped for one
  std::exception_ptr panic;  // the first exception a goroutine let escape

  void done() {
    if (sem) sem.recv();
    wg.done();
  }
};

ErrGroup::ErrGroup() : s_(std::make_shared<State>()) {}

std::pair<ErrGroup, context::Context> ErrGroup::with_context(const context::Context& parent) {
  ErrGroup g;
  auto [ctx, cancel] = context::with_cancel_cause(parent);
  g.s_->cancel = std::move(cancel);
  g.s_->has_cancel = true;
  return {std::move(g), std::move(ctx)};
}

bool ErrGroup::enter(bool block) {
  if (s_->sem) {
    if (block) {
      s_->sem.send(Unit{});
    } else if (!s_->sem.try_send(Unit{})) {
      return false;
    }
  }
  s_->wg.add(1);
  return true;
}

void ErrGroup::launch(std::function<Error()> f) {
  gocxx::go([s = s_, f = std::move(f)] {
    struct Done {
      State* s;
      ~Done() { s->done(); }
    } done{s.get()};
    Error err;
    try {
      err = f();
    } catch (...) {
      // Go's errgroup re-panics in Wait; so does this one. The group's context is
      // cancelled, so that the other goroutines stop.
      s->first_panic.call([&] {
        s->panic = std::current_exception();
        if (s->has_cancel) s->cancel(Error());
      });
      return;
    }
    if (err) {
      s->first_error.call([&] {
        s->err = err;
        if (s->has_cancel) s->cancel(err);
      });
    }
  });
}

Error ErrGroup::wait() {
  s_->wg.wait();
  if (s_->has_cancel) s_->cancel(s_->err);
  if (s_->panic) std::rethrow_exception(s_->panic);
  return s_->err;
}

void ErrGroup::set_limit(int n) {
  if (n < 0) {
    s_->sem = Chan<>();
    return;
  }
  if (s_->sem && s_->sem.len() != 0) {
    throw Panic("errgroup: modify limit while " + std::to_string(s_->sem.len()) +
                " goroutines in the group are still active");
  }
  s_->sem = make_chan<>(n);
}

}  // namespace gocxx::sync
