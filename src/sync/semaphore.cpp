// golang.org/x/sync/semaphore.Weighted, after its semaphore.go: a count under a
// mutex and a FIFO list of waiters, each with a channel that is closed to grant it.
// FIFO is strict: a large request at the front blocks smaller ones behind it, so it
// cannot be starved by them.
#include <list>

#include "gocxx/errors.hpp"
#include "gocxx/select.hpp"
#include "gocxx/xsync.hpp"

namespace gocxx::sync {

struct Semaphore::Impl {
  struct Waiter {
    std::int64_t n;
    Chan<> ready;  // closed when granted
  };

  std::int64_t size;
  std::int64_t cur = 0;
  Mutex mu;
  std::list<Waiter> waiters;

  // Grants the front waiters while they fit (mu held).
  void notify_waiters() {
    while (!waiters.empty()) {
      Waiter& w = waiters.front();
      if (size - cur < w.n) break;  // keep FIFO: nobody overtakes the front
      cur += w.n;
      w.ready.close();
      waiters.pop_front();
    }
  }
};

Semaphore::Semaphore(std::int64_t size) : impl_(std::make_unique<Impl>()) {
  impl_->size = size;
}
Semaphore::~Semaphore() = default;

Error Semaphore::acquire(const context::Context& ctx, std::int64_t n) {
  Impl& s = *impl_;
  RecvChan<> done = ctx.done();
  std::unique_lock<Mutex> lock(s.mu);
  if (ctx.err()) return ctx.err();  // already done: fail even if units are free
  if (s.size - s.cur >= n && s.waiters.empty()) {
    s.cur += n;
    return Error();
  }
  if (n > s.size) {
    // Can never be satisfied: wait for the context only.
    lock.unlock();
    done.recv();
    return ctx.err();
  }
  Chan<> ready = make_chan<>();
  auto it = s.waiters.insert(s.waiters.end(), Impl::Waiter{n, ready});
  lock.unlock();

  if (select(recv(done), recv(ready)) == 0) {
    lock.lock();
    if (auto granted = ready.try_recv(); granted.has_value()) {
      // Granted just as the context ended: give the units back, honour the context.
      s.cur -= n;
      s.notify_waiters();
    } else {
      bool front = it == s.waiters.begin();
      s.waiters.erase(it);
      // Removing the front waiter may let the ones behind it in.
      if (front && s.size > s.cur) s.notify_waiters();
    }
    return ctx.err();
  }
  // Acquired; if the context ended meanwhile, pretend we did not (Go does the same).
  if (ctx.err()) {
    release(n);
    return ctx.err();
  }
  return Error();
}

bool Semaphore::try_acquire(std::int64_t n) {
  Impl& s = *impl_;
  std::lock_guard<Mutex> guard(s.mu);
  bool ok = s.size - s.cur >= n && s.waiters.empty();
  if (ok) s.cur += n;
  return ok;
}

void Semaphore::release(std::int64_t n) {
  Impl& s = *impl_;
  std::lock_guard<Mutex> guard(s.mu);
  s.cur -= n;
  if (s.cur < 0) {
    s.cur += n;
    throw Panic("semaphore: released more than held");
  }
  s.notify_waiters();
}

}  // namespace gocxx::sync
