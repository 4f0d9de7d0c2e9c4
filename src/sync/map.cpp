// sync::Map's out-of-line part: a writer waiting for the readers of its shard.
#include "gocxx/runtime.hpp"
#include "gocxx/sync.hpp"
#include "runtime/futex.hpp"

namespace gocxx::detail {

void wait_for_readers(const std::atomic<std::int32_t>& n) noexcept {
  // Readers only look a value up and copy it: they leave within nanoseconds, unless
  // their processor was taken away (a plain thread descheduled); then let it run.
  for (int spins = 0; n.load(std::memory_order_acquire) != 0; ++spins) {
    if (spins < 100) {
      rt::cpu_relax();
    } else {
      runtime::gosched();
    }
  }
}

}  // namespace gocxx::detail
