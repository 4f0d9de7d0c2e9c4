// Internal: the type-erased goroutine start used by gocxx::go and gocxx::run.
#pragma once

#include <cstddef>
#include <functional>
#include <tuple>
#include <utility>

namespace gocxx::detail {

struct TaskOps {
  void (*run)(void* task);
  void (*destroy)(void* task) noexcept;
  std::size_t size;  // the task's bytes (the goroutine-leak profile reads them)
};

template <class Task>
inline constexpr TaskOps kTaskOps = {
    [](void* t) { (*static_cast<Task*>(t))(); },
    [](void* t) noexcept { static_cast<Task*>(t)->~Task(); },
    sizeof(Task),
};

// What `go(f, args...)` runs: decay-copies of f and the arguments, made directly
// in the goroutine's storage (a lambda would be built on the caller's stack first
// and moved), invoked once as rvalues.
template <class Fn, class... Args>
struct GoTask {
  template <class F, class... A>
  explicit GoTask(F&& f, A&&... a) : fn(std::forward<F>(f)), args(std::forward<A>(a)...) {}
  void operator()() {
    std::apply([this](Args&... a) { std::invoke(std::move(fn), std::move(a)...); }, args);
  }
  Fn fn;
  std::tuple<Args...> args;
};

struct NewGoroutine {
  void* g;        // the goroutine, not yet runnable
  void* storage;  // `size` bytes aligned to `align` for the task object
};

NewGoroutine new_goroutine(std::size_t size, std::size_t align);
// Makes g runnable; the task must have been constructed in g's storage.
void start_goroutine(void* g, const TaskOps* ops);
// Returns a goroutine whose task could not be constructed.
void discard_goroutine(void* g) noexcept;

void run_main(void (*fn)(void*), void* arg);

[[noreturn]] void fatal(const char* msg) noexcept;

// A blocking-call region (Go's entersyscall/exitsyscall): while alive, the calling
// goroutine's processor may run other goroutines on another thread.
class BlockingRegion {
 public:
  BlockingRegion() noexcept;
  ~BlockingRegion();
  BlockingRegion(const BlockingRegion&) = delete;
  BlockingRegion& operator=(const BlockingRegion&) = delete;

 private:
  bool active_;
};

}  // namespace gocxx::detail
