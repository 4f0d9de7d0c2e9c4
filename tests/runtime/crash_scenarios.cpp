// Programs that die the way Go programs die; crash_test.cpp runs each one and
// checks its output and exit status.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "gocxx/gocxx.hpp"

using namespace gocxx;

namespace {

[[noreturn]] __attribute__((noinline)) void throw_boom() {
  throw std::runtime_error("boom");
}

// Recurses with a frame the optimiser cannot remove until the stack runs out.
__attribute__((noinline)) int deep(int n, volatile char* prev) {
  if (n < 0) return 0;  // never: keeps the compiler from calling it infinite
  volatile char frame[512];
  frame[0] = static_cast<char>(n);
  frame[511] = prev != nullptr ? prev[0] : 0;
  return deep(n + 1, frame) + frame[0];
}

// One frame four times the goroutine's stack: without probing, its first write
// lands a megabyte down, past the guard, in another goroutine's stack.
__attribute__((noinline)) int huge_frame(int seed) {
  char big[1 << 20];
  asm volatile("" : : "r"(big) : "memory");  // the whole array must exist in the frame
  big[0] = static_cast<char>(seed);
  big[sizeof big - 1] = static_cast<char>(seed);
  asm volatile("" : : "r"(big) : "memory");
  return big[seed & 1] + big[sizeof big - 1];
}

__attribute__((noinline)) void wait_for_the_quit(Chan<int> ch) {
  ch.recv();
}

// Every fatal report also goes to $GOCXX_CRASH_FILE (set_crash_output), whose
// descriptor is closed at once: the runtime keeps its own copy.
void set_crash_file() {
  const char* path = std::getenv("GOCXX_CRASH_FILE");
  int fd = path != nullptr ? ::open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600) : -1;
  if (fd < 0 || debug::set_crash_output(fd)) {
    std::fprintf(stderr, "cannot set the crash output\n");
    std::exit(100);
  }
  ::close(fd);
}

int overflow_in_goroutine() {
  return run([] {
    auto done = make_chan<int>();
    go([done] { done.send(deep(0, nullptr)); });
    return *done.recv();
  });
}

}  // namespace

int main(int argc, char** argv) {
  std::string s = argc > 1 ? argv[1] : "";
  if (s == "panic-in-goroutine") {
    return run([] {
      auto never = make_chan<>();
      go([] { throw_boom(); });
      never.recv();
    });
  }
  if (s == "panic-in-main") return run([] { throw_boom(); });
  if (s == "panic-locked") {
    return run([] {
      runtime::lock_os_thread();
      throw_boom();
    });
  }
  if (s == "close-nil") return run([] { Chan<int>().close(); });
  if (s == "close-closed") {
    return run([] {
      auto c = make_chan<int>();
      c.close();
      c.close();
    });
  }
  if (s == "send-closed") {
    return run([] {
      auto c = make_chan<int>(1);
      c.close();
      c.send(1);
    });
  }
  if (s == "throw-int") return run([] { throw 42; });
  if (s == "go-nil") {
    void (*f)() = nullptr;
    go(f);
    return 0;
  }
  if (s == "unlock-unlocked-mutex") return run([] { sync::Mutex().unlock(); });
  if (s == "runlock-unlocked-rwmutex") return run([] { sync::RWMutex().runlock(); });
  if (s == "unlock-unlocked-rwmutex") return run([] { sync::RWMutex().unlock(); });
  if (s == "unlock-unlocked-mutex-thread") {
    sync::Mutex mu;
    mu.unlock();  // from a plain thread: the same fatal error
    return 0;
  }
  if (s == "stack-overflow") return overflow_in_goroutine();
  if (s == "stack-clash-1mib") {
    return run([] {
      auto done = make_chan<int>();
      go([done] { done.send(huge_frame(1)); });
      int v = *done.recv();
      std::puts("returned normally");
      return v;
    });
  }
  if (s == "stack-overflow-64k") {
    runtime::set_stack_size(64 * 1024);
    return overflow_in_goroutine();
  }
  if (s == "repanic-rethrow") {
    return run([] {
      try {
        throw Panic("boom");
      } catch (const Panic&) {
        throw;  // Go: r := recover(); panic(r)
      }
    });
  }
  if (s == "repanic-copy") {
    return run([] {
      try {
        throw Panic("boom");
      } catch (const Panic& p) {
        throw Panic(p.what());  // the same value, thrown anew
      }
    });
  }
  if (s == "panic-while-handling") {
    return run([] {
      try {
        throw Panic("first");
      } catch (const Panic&) {
        throw std::runtime_error("second");  // Go: recover(), then panic("second")
      }
    });
  }
  if (s == "sigquit") {
    return run([] {
      auto ch = make_chan<int>();
      go([ch] { wait_for_the_quit(ch); });
      runtime::gosched();
      ::kill(::getpid(), SIGQUIT);  // a kill(1) from the program itself: sigcode 0
      ch.recv();
      return 0;
    });
  }
  if (s == "sigquit-notified") {
    return run([] {
      auto sigs = make_chan<int>(1);
      signal::notify(sigs, {SIGQUIT});
      ::kill(::getpid(), SIGQUIT);
      std::printf("got signal %d\n", *sigs.recv());
      return 0;
    });
  }
  if (s == "crash-output-panic") {
    set_crash_file();
    return run([] { throw_boom(); });
  }
  if (s == "crash-output-deadlock") {
    set_crash_file();
    return run([] { make_chan<int>().recv(); });
  }
  if (s == "crash-output-removed") {
    set_crash_file();
    if (debug::set_crash_output(-1)) return 100;
    return run([] { throw_boom(); });
  }
  if (s == "main-returns-while-others-run") {
    return run([] {
      go([] { make_chan<>().recv(); });  // blocked forever
      go([] {
        for (;;) runtime::gosched();  // runnable forever
      });
      std::puts("main done");
      return 0;
    });
  }
  std::fprintf(stderr, "unknown scenario %s\n", s.c_str());
  return 100;
}
