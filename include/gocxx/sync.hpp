// The sync package.
//
// Every blocking operation parks the calling goroutine (never its OS thread) and
// also works from plain threads, which then block on a futex.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <type_traits>
#include <utility>

#include "runtime.hpp"

namespace gocxx::sync {

// Go's sync.WaitGroup: waits for a collection of goroutines to finish.
//
//   sync::WaitGroup wg;
//   for (int i = 0; i < n; ++i) wg.go([i] { work(i); });
//   wg.wait();
//
// add() with a negative result throws Panic("sync: negative WaitGroup counter");
// misuse (add racing wait, reuse before wait returned) throws Go's panics. done()
// happens-before the wait() it unblocks returns. A WaitGroup may be destroyed as
// soon as wait() returns.
class WaitGroup {
 public:
  WaitGroup() noexcept = default;
  WaitGroup(const WaitGroup&) = delete;
  WaitGroup& operator=(const WaitGroup&) = delete;

  void add(int delta);
  void done() { add(-1); }
  void wait();

  // Go 1.25's WaitGroup.Go: add(1), then runs f in a new goroutine that calls done()
  // when f returns.
  template <class F>
  void go(F&& f) {
    add(1);
    gocxx::go(
        [this](std::decay_t<F> fn) {
          struct Done {
            WaitGroup* wg;
            ~Done() { wg->done(); }
          } guard{this};
          std::invoke(fn);
        },
        std::forward<F>(f));
  }

 private:
  // High 32 bits: the counter. Low 32 bits: the number of waiters.
  std::atomic<std::uint64_t> state_{0};
  std::uint32_t sema_ = 0;
};

}  // namespace gocxx::sync
