// Programs that deadlock (the runtime must end them the way Go does) and programs
// that only look stuck (a timer, a socket, a signal, a blocking call or another
// thread will wake them: the runtime must let them finish). deadlock_test.cpp runs
// each one as a child process.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

#include "gocxx/gocxx.hpp"

using namespace gocxx;
using namespace std::chrono_literals;

namespace {

// How long the "looks stuck" programs stay stuck: several deadlock checks long.
constexpr auto kQuiet = 400ms;

// A child process that, after kQuiet, runs f and exits: a waker from outside the
// runtime's view of this process.
template <class F>
void from_another_process(F f) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::usleep(static_cast<useconds_t>(std::chrono::microseconds(kQuiet).count()));
    f();
    ::_exit(0);
  }
}

// A named function that blocks: the traceback of its goroutine must show it.
__attribute__((noinline)) void wait_for_a_value_nobody_sends(Chan<int> ch) {
  ch.recv();
  asm volatile("");  // keeps the call from being a tail call
}

int deadlock(const std::string& s) {
  if (s == "named-function") {
    return run([] {
      auto ch = make_chan<int>();
      go(wait_for_a_value_nobody_sends, ch);
      wait_for_a_value_nobody_sends(ch);
    });
  }
  if (s == "chan-recv") {
    return run([] {
      auto ch = make_chan<int>();
      go([ch] { ch.recv(); });  // two goroutines both receiving: nobody sends
      ch.recv();
    });
  }
  if (s == "mutex-cycle") {  // E05's shape: each holds one mutex and wants the other
    return run([] {
      sync::Mutex a, b;
      sync::WaitGroup wg, holding;
      auto both = [&wg, &holding](sync::Mutex* first, sync::Mutex* second) {
        std::lock_guard<sync::Mutex> l1(*first);
        holding.done();  // both hold their first mutex before either wants its second
        holding.wait();
        std::lock_guard<sync::Mutex> l2(*second);
        wg.done();
      };
      wg.add(2);
      holding.add(2);
      go(both, &a, &b);
      go(both, &b, &a);
      wg.wait();
    });
  }
  if (s == "waitgroup") {
    return run([] {
      sync::WaitGroup wg;
      wg.add(1);
      wg.wait();
    });
  }
  if (s == "cond") {
    return run([] {
      sync::Mutex mu;
      sync::Cond c(mu);
      std::lock_guard<sync::Mutex> l(mu);
      c.wait();
    });
  }
  if (s == "select-no-cases") return run([] { select(); });
  if (s == "nil-send") {
    return run([] {
      Chan<int> nil;
      nil.send(1);
    });
  }
  if (s == "after-stopped-timer") {  // a stopped timer keeps nobody alive
    return run([] {
      auto t = time::new_timer(1h);
      t.stop();
      t.c.recv();
    });
  }
  if (s == "goexit-main") {  // Go: main called runtime.Goexit, then every goroutine ended
    return run([] {
      go([] { time::sleep(10ms); });
      runtime::goexit();
    });
  }
  if (s == "goexit-main-others-blocked") {
    return run([] {
      auto ch = make_chan<int>();
      go([ch] { ch.recv(); });
      runtime::goexit();
    });
  }
  if (s == "plain-thread") {  // no run(): the main thread itself waits
    auto ch = make_chan<int>();
    auto never = make_chan<int>();
    go([never] { never.recv(); });
    ch.recv();
    return 0;
  }
  if (s == "api-off-then-on") {  // detection turned off and on again by the API
    bool was = runtime::set_deadlock_detection(false);
    bool off = runtime::set_deadlock_detection(true);
    std::printf("%d %d\n", was, off);
    std::fflush(stdout);
    return run([] { make_chan<int>().recv(); });
  }
  return -1;
}

// Computes for `ms` of wall-clock time without a scheduling point.
__attribute__((noinline)) std::uint64_t spin_without_yielding(int ms) {
  std::uint64_t x = 1;
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until) {
    for (int i = 0; i < 10000; ++i) x = x * 6364136223846793005ULL + 1;
  }
  return x;
}

// Computes as long, reaching a scheduling point every millisecond.
__attribute__((noinline)) std::uint64_t spin_with_yields(int ms) {
  std::uint64_t x = 3;
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until) {
    auto slice = std::chrono::steady_clock::now() + std::chrono::milliseconds(1);
    while (std::chrono::steady_clock::now() < slice) x ^= x << 7, x ^= x >> 9;
    runtime::gosched();
  }
  return x;
}

int stall(bool yields) {
  return run([yields] {
    auto done = make_chan<std::uint64_t>(1);
    go([done, yields] { done.send(yields ? spin_with_yields(400) : spin_without_yielding(400)); });
    std::printf("result %d\n", static_cast<int>(*done.recv() & 1));
  });
}

int alive(const std::string& s) {
  if (s == "stall") return stall(false);
  if (s == "stall-yielding") return stall(true);
  if (s == "stall-api") {
    debug::set_stall_threshold(std::chrono::milliseconds(100));
    return stall(false);
  }
  if (s == "timer") {
    return run([] {
      time::after(kQuiet).recv();
      std::puts("timer fired");
    });
  }
  if (s == "sleeper") {
    return run([] {
      auto ch = make_chan<int>();
      go([ch] {
        time::sleep(kQuiet);
        ch.send(7);
      });
      std::printf("got %d\n", *ch.recv());
    });
  }
  if (s == "context-timeout") {
    return run([] {
      auto [ctx, cancel] = context::with_timeout(context::background(), kQuiet);
      ctx.done().recv();
      cancel();
      std::puts(ctx.err().message().c_str());
    });
  }
  if (s == "socket") {  // a goroutine in IO wait: another process connects later
    return run([] {
      auto [listener, err] = net::listen("tcp", "127.0.0.1:0");
      if (err) return 1;
      net::Listener ln = listener;  // a structured binding cannot be captured (C++20)
      std::string addr = ln.addr().to_string();
      int port = std::stoi(addr.substr(addr.rfind(':') + 1));
      from_another_process([port] {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(static_cast<std::uint16_t>(port));
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) {
          (void)!::write(fd, "hi", 2);
        }
        ::close(fd);
      });
      auto ch = make_chan<std::string>();
      go([ln, ch] {
        auto [c, err2] = ln.accept();
        char buf[8];
        auto [n, err3] = c.read(buf);
        ch.send(std::string(buf, n));
      });
      std::printf("read %s\n", ch.recv()->c_str());
      ::wait(nullptr);
      return 0;
    });
  }
  if (s == "blocking") {
    return run([] {
      auto ch = make_chan<int>();
      go([ch] {
        blocking(
            [] { ::usleep(static_cast<useconds_t>(std::chrono::microseconds(kQuiet).count())); });
        ch.send(1);
      });
      ch.recv();
      std::puts("blocking call returned");
    });
  }
  if (s == "thread-sender") {  // a plain thread, outside any gocxx wait, sends later
    return run([] {
      auto ch = make_chan<int>();
      std::thread t([ch] {
        std::this_thread::sleep_for(kQuiet);
        ch.send(3);
      });
      std::printf("got %d\n", *ch.recv());
      t.join();
    });
  }
  if (s == "thread-in-gocxx-wait") {  // a plain thread parked in gocxx, woken by a timer
    return run([] {
      auto ch = make_chan<int>();
      std::thread t([ch] {
        time::after(kQuiet).recv();
        ch.send(4);
      });
      std::printf("got %d\n", *ch.recv());
      t.join();
    });
  }
  if (s == "signal") {
    return run([] {
      auto sigs = make_chan<int>(1);
      signal::notify(sigs, {SIGUSR1});
      pid_t parent = ::getpid();
      from_another_process([parent] { ::kill(parent, SIGUSR1); });
      int sig = *sigs.recv();
      std::printf("signal %d\n", sig);
      ::wait(nullptr);
    });
  }
  if (s == "ticker") {  // an unstopped ticker keeps the program alive (Go 1.19's rule)
    return run([] {
      auto tk = time::new_ticker(kQuiet / 4);
      for (int i = 0; i < 4; ++i) tk.c.recv();
      tk.stop();
      std::puts("four ticks");
    });
  }
  if (s == "main-returns-with-goroutines-blocked") {
    run([] {
      auto ch = make_chan<int>();
      go([ch] { ch.recv(); });
    });
    std::this_thread::sleep_for(kQuiet);  // the main thread is alive: not a deadlock
    std::puts("main went on");
    return 0;
  }
  if (s == "off-by-api") {  // a real deadlock nobody reports: the test times it out
    runtime::set_deadlock_detection(false);
    return run([] { make_chan<int>().recv(); });
  }
  return -1;
}

}  // namespace

namespace twin {

// testdata/deadlock_twin.go in C++, function for function. Go never turns a
// call into a jump; C++ compilers do, and a frame that tail-called the blocking
// function is gone from the stack: the barriers keep these frames.
#define NOT_A_TAIL_CALL asm volatile("" ::: "memory")

__attribute__((noinline)) void receiver(Chan<int> ch) {
  ch.recv();
  NOT_A_TAIL_CALL;
}

__attribute__((noinline)) void sender(Chan<int> ch) {
  ch.send(1);
  NOT_A_TAIL_CALL;
}

__attribute__((noinline)) void selector(Chan<int> a, Chan<int> b) {
  select(recv(a), send(b, 1));
  NOT_A_TAIL_CALL;
}

__attribute__((noinline)) void locker(sync::Mutex* mu) {
  mu->lock();
  NOT_A_TAIL_CALL;
}

__attribute__((noinline)) void waiter(sync::WaitGroup* wg) {
  wg->wait();
  NOT_A_TAIL_CALL;
}

__attribute__((noinline)) void spawn(Chan<int> in, Chan<int> out, Chan<int> a, Chan<int> b,
                                     sync::Mutex* mu, sync::WaitGroup* wg) {
  go(receiver, in);
  go(sender, out);
  go(selector, a, b);
  go(locker, mu);
  go(waiter, wg);
}

int main() {
  return run([] {
    auto in = make_chan<int>(), out = make_chan<int>(), a = make_chan<int>(), b = make_chan<int>();
    sync::Mutex mu;
    sync::WaitGroup wg;
    mu.lock();
    wg.add(1);
    spawn(in, out, a, b, &mu, &wg);
    in.recv();
  });
}

}  // namespace twin

int main(int argc, char** argv) {
  std::string s = argc > 1 ? argv[1] : "";
  if (s == "twin") return twin::main();
  int r = deadlock(s);
  if (r != -1) return r;
  r = alive(s);
  if (r != -1) return r;
  std::fprintf(stderr, "unknown scenario %s\n", s.c_str());
  return 64;
}
