// Internal: the type-erased goroutine start used by gocxx::go and gocxx::run.
#pragma once

#include <cstddef>

namespace gocxx::detail {

struct TaskOps {
  void (*run)(void* task);
  void (*destroy)(void* task) noexcept;
};

template <class Task>
inline constexpr TaskOps kTaskOps = {
    [](void* t) { (*static_cast<Task*>(t))(); },
    [](void* t) noexcept { static_cast<Task*>(t)->~Task(); },
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
