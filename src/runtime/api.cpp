// The public runtime API (include/gocxx/runtime.hpp) on top of the scheduler.
#include <sched.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "gocxx/runtime.hpp"
#include "panic.hpp"
#include "sched.hpp"
#include "sema.hpp"

namespace gocxx::rt {

int num_cpu_impl() noexcept {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  return 1;
}

int env_gomaxprocs() noexcept {
  if (const char* env = std::getenv("GOMAXPROCS"); env != nullptr) {
    int n = std::atoi(env);
    if (n > 0) return std::min(n, kMaxProcs);
  }
  return 0;
}

int default_gomaxprocs() noexcept {
  if (int n = env_gomaxprocs()) return n;
  return cpu_default_gomaxprocs();
}
}  // namespace gocxx::rt

namespace gocxx::detail {

NewGoroutine new_goroutine(std::size_t size, std::size_t align) {
  void* storage = nullptr;
  rt::G* g = rt::new_g(size, align, &storage);
  return {g, storage};
}

__attribute__((noinline)) void start_goroutine(void* g, const TaskOps* ops) {
  // The return address into the function that called go() (always inlined): the
  // traceback's `created by`.
  rt::start_g(static_cast<rt::G*>(g), ops, __builtin_return_address(0));
}

void discard_goroutine(void* g) noexcept {
  rt::discard_g(static_cast<rt::G*>(g));
}

void run_main(void (*fn)(void*), void* arg) {
  struct Main {
    void (*fn)(void*);
    void* arg;
    std::uint32_t done = 0;
  } main{fn, arg};
  auto task = [&main] {
    struct Signal {
      Main* m;
      ~Signal() {
        // Go: a main goroutine that calls Goexit never makes the program end; the
        // other goroutines run on, and once none is left that is a deadlock.
        if (rt::current_g()->goexiting) {
          rt::note_main_goexit();
          return;
        }
        rt::sema_release(&m->done);
      }
    } signal{&main};
    main.fn(main.arg);
  };
  using Task = decltype(task);
  void* storage = nullptr;
  rt::G* g = rt::new_g(sizeof(Task), alignof(Task), &storage);
  if (std::uint64_t id = rt::claim_main_goid(); id != 0) g->id = id;
  ::new (storage) Task(task);
  rt::start_g(g, &kTaskOps<Task>, __builtin_return_address(0));
  rt::sema_acquire(&main.done, "chan receive");
}

void fatal(const char* msg) noexcept {
  rt::fatal(msg);
}

BlockingRegion::BlockingRegion() noexcept : active_(rt::enter_blocking()) {}
BlockingRegion::~BlockingRegion() {
  if (active_) rt::exit_blocking();
}

}  // namespace gocxx::detail

namespace gocxx::runtime {

int gomaxprocs(int n) {
  rt::ensure_started();
  if (n <= 0) return rt::sched().gomaxprocs.load();
  // Set by the program: the periodic update from the CPU limit stops (Go 1.25).
  rt::sched().gomaxprocs_custom.store(true, std::memory_order_relaxed);
  return rt::set_gomaxprocs(n);
}

int num_cpu() {
  return rt::num_cpu_impl();
}

int64_t num_goroutine() {
  return rt::count_goroutines();
}

void gosched() {
  rt::gosched_impl();
}

void goexit() {
  rt::goexit_impl();
}

uint64_t goroutine_id() {
  rt::G* g = rt::current_g();
  return g->kind == rt::G::Kind::goroutine ? static_cast<uint64_t>(g->id) : 0;
}

void lock_os_thread() {
  rt::lock_thread();
}
void unlock_os_thread() {
  rt::unlock_thread();
}

std::string stack(bool all) {
  return rt::traceback(all, rt::current_g(), 1);
}

void set_block_profile_rate(int rate) {
  rt::g_block_profile_rate.store(rate > 0 ? rate : 0, std::memory_order_relaxed);
}

int set_mutex_profile_fraction(int rate) {
  if (rate < 0)
    return static_cast<int>(rt::g_mutex_profile_fraction.load(std::memory_order_relaxed));
  return static_cast<int>(rt::g_mutex_profile_fraction.exchange(rate, std::memory_order_relaxed));
}

bool set_deadlock_detection(bool on) {
  return rt::set_deadlock_detection(on);
}

void set_spawn_policy(SpawnPolicy policy) {
  rt::ensure_started();
  rt::sched().spawn_policy.store(policy == SpawnPolicy::child_first ? 0 : 1);
}

SpawnPolicy spawn_policy() {
  rt::ensure_started();
  return rt::sched().spawn_policy.load() == 0 ? SpawnPolicy::child_first
                                              : SpawnPolicy::parent_first;
}

void set_stack_size(std::size_t bytes) {
  rt::stack_set_default_size(bytes);
}
std::size_t stack_size() {
  return rt::stack_default_size();
}

}  // namespace gocxx::runtime

namespace gocxx::debug {

Error set_crash_output(int fd) {
  int err = rt::set_crash_output(fd < 0 ? -1 : fd);
  if (err != 0) return errors::make(std::string("set_crash_output: ") + std::strerror(err));
  return Error();
}

void set_stall_threshold(std::chrono::nanoseconds threshold) {
  rt::ensure_started();
  rt::set_stall_threshold(threshold.count());
}

}  // namespace gocxx::debug
