// Goroutines migrate between OS threads at blocking points. These tests force a
// migration at every switch (the runtime's debug mode) and check what breaks in
// peers: the runtime's own thread-local state, thread_local objects read after a
// switch, and the per-goroutine C++ exception state (a goroutine that blocks
// inside a catch block, or in a destructor during unwinding, and resumes on
// another thread). Compiled with -O3, where compilers cache TLS addresses.
#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <exception>
#include <stdexcept>
#include <string>

#include "gocxx/gocxx.hpp"
#include "runtime/sched.hpp"
#include "test_util.hpp"

using namespace gocxx;
using gocxx::testing::run_with_procs;

namespace {

class MigrateEverySwitch {
 public:
  MigrateEverySwitch() { rt::sched().migrate_every_switch.store(true); }
  ~MigrateEverySwitch() { rt::sched().migrate_every_switch.store(false); }
};

thread_local int tls_probe = 0;

// glibc declares pthread_self() __attribute__((const)), so an optimiser may reuse
// its value across a call that migrates the goroutine: exactly the hazard this file
// is about. Read it through a call the compiler cannot see through.
__attribute__((noinline)) pthread_t this_thread() {
  asm volatile("" ::: "memory");
  return pthread_self();
}

// A thread_local's address must be recomputed after a switch. A plain noinline
// accessor is not enough (GCC infers it `const` and reuses the result across the
// switch); the asm statement is what the runtime's own accessors use too.
__attribute__((noinline)) int* tls_probe_address() {
  asm volatile("" ::: "memory");
  return &tls_probe;
}

std::string current_message() {
  try {
    std::rethrow_exception(std::current_exception());
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "?";
  }
}

}  // namespace

TEST(Migration, EverySwitchMovesTheGoroutineAndTheRuntimeFollows) {
  MigrateEverySwitch mode;
  run_with_procs(2, [] {
    int moves = 0;
    for (int i = 0; i < 100; ++i) {
      pthread_t before = this_thread();
      rt::M* m_before = rt::current_m();
      int* tls_before = tls_probe_address();
      runtime::gosched();
      pthread_t after = this_thread();
      ASSERT_FALSE(pthread_equal(before, after)) << "iteration " << i;
      EXPECT_NE(rt::current_m(), m_before);
      EXPECT_EQ(rt::current_m()->curg, rt::current_g());
      EXPECT_NE(tls_probe_address(), tls_before);
      ++moves;
    }
    EXPECT_EQ(moves, 100);
  });
}

TEST(Migration, ChannelWaitsMigrateToo) {
  MigrateEverySwitch mode;
  run_with_procs(2, [] {
    auto ping = make_chan<int>();
    auto pong = make_chan<int>();
    go([=] {
      for (int v : ping) pong.send(v + 1);
      pong.close();
    });
    int migrations = 0;
    for (int i = 0; i < 200; ++i) {
      pthread_t before = this_thread();
      ping.send(i);
      EXPECT_EQ(*pong.recv(), i + 1);
      migrations += !pthread_equal(before, this_thread());
    }
    ping.close();
    // A wait that completes without parking does not switch, so not every round trip
    // moves; most must.
    EXPECT_GE(migrations, 100);
  });
}

TEST(Migration, ACatchBlockSurvivesMigration) {
  MigrateEverySwitch mode;
  run_with_procs(2, [] {
    sync::WaitGroup wg;
    std::atomic<int> ok{0};
    for (int k = 0; k < 4; ++k) {
      wg.go([&ok, k] {
        std::string mine = "goroutine " + std::to_string(k);
        try {
          throw std::runtime_error(mine);
        } catch (const std::exception& e) {
          for (int i = 0; i < 50; ++i) {
            pthread_t before = this_thread();
            runtime::gosched();
            EXPECT_FALSE(pthread_equal(before, this_thread()));
            // This goroutine's caught exception, not another's, not none.
            EXPECT_EQ(current_message(), mine);
            EXPECT_EQ(std::uncaught_exceptions(), 0);
            EXPECT_EQ(std::string(e.what()), mine);
          }
          // Rethrowing after migration rethrows our own exception.
          try {
            throw;
          } catch (const std::runtime_error& again) {
            EXPECT_EQ(std::string(again.what()), mine);
          }
          ++ok;
        }
        EXPECT_FALSE(std::current_exception());
      });
    }
    wg.wait();
    EXPECT_EQ(ok.load(), 4);
  });
}

TEST(Migration, UnwindingThroughABlockingDestructorSurvivesMigration) {
  MigrateEverySwitch mode;
  run_with_procs(2, [] {
    sync::WaitGroup wg;
    std::atomic<int> caught{0};
    for (int k = 0; k < 4; ++k) {
      wg.go([&caught, k] {
        struct BlocksWhileUnwinding {
          ~BlocksWhileUnwinding() {
            EXPECT_EQ(std::uncaught_exceptions(), 1);
            for (int i = 0; i < 10; ++i) runtime::gosched();
            EXPECT_EQ(std::uncaught_exceptions(), 1);
          }
        };
        try {
          BlocksWhileUnwinding b;
          throw k;
        } catch (int v) {
          EXPECT_EQ(v, k);
          EXPECT_EQ(std::uncaught_exceptions(), 0);
          ++caught;
        }
      });
    }
    wg.wait();
    EXPECT_EQ(caught.load(), 4);
  });
}
