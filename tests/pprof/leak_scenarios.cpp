// Programs that leave goroutines parked on channels, some of which can never be
// woken. Each scenario waits until its goroutines are parked, then writes the
// goroutineleak profile (debug=1, then a line "---", then debug=2) to stdout, and,
// with a second argument, the debug=0 proto to that file. leak_test.cpp runs each
// as a child process, so that no earlier test's memory is read along.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "gocxx/gocxx.hpp"

using namespace gocxx;
using namespace std::chrono_literals;

namespace {

// Until `n` goroutines are waiting and, with `total`, that many exist (not by a
// traceback: a dump leaves copies of stack addresses behind, which the
// conservative analysis would honour).
void wait_parked(int n, int total = -1) {
  for (int i = 0; i < 20000; ++i) {
    bool parked = false;
    for (const metrics::Sample& s : metrics::read()) {
      if (s.name == "/sched/goroutines/waiting:goroutines" && s.value >= n) parked = true;
    }
    if (parked && (total < 0 || runtime::num_goroutine() == total)) return;
    time::sleep(1ms);
  }
  std::fprintf(stderr, "timed out waiting for %d parked goroutines\n", n);
  std::exit(3);
}

void write_profile(const char* proto_path) {
  pprof::Profile* p = pprof::lookup("goroutineleak");
  std::ostringstream text;
  if (p->write_to(text, 1)) std::exit(4);
  std::ostringstream dump;
  if (p->write_to(dump, 2)) std::exit(4);
  std::cout << text.str() << "---\n" << dump.str() << std::flush;
  if (proto_path != nullptr) {
    std::ofstream out(proto_path, std::ios::binary);
    if (p->write_to(out, 0)) std::exit(4);
  }
}

struct Result {
  int value;
  bool failed;
};

// Go's release-note example: workers send their results on an unbuffered channel
// that only the aggregator holds; it returns at the first failure, and the
// workers still to send can never be received from.
__attribute__((noinline)) void send_result_nobody_receives(Chan<Result> out, int i) {
  out.send(Result{i, i == 0});
  asm volatile("");
}

__attribute__((noinline)) void receive_forever(RecvChan<int> in) {
  in.recv();
  asm volatile("");
}

__attribute__((noinline)) void receive_then_report(RecvChan<int> in, Chan<int> done) {
  done.send(*in.recv());
  asm volatile("");
}

// Waits on the channel it made itself; publishes the handle's address.
__attribute__((noinline)) void receive_on_own_channel(Chan<Chan<int>*> publish, Chan<int> done) {
  auto mine = make_chan<int>();
  publish.send(&mine);
  done.send(*mine.recv());
  asm volatile("");
}

__attribute__((noinline)) void cycle_member(Chan<int> wait_on, Chan<int> hold) {
  wait_on.recv();
  hold.send(1);
  asm volatile("");
}

__attribute__((noinline)) void nil_receive() {
  Chan<int> nil;
  nil.recv();
  asm volatile("");
}

__attribute__((noinline)) void empty_select() {
  select();
  asm volatile("");
}

int scenario(const std::string& name, const char* proto_path) {
  if (name == "release-note") {
    // The aggregator takes one result, the failure, and returns: the other four
    // workers can never send.
    return run([&] {
      auto results = make_chan<Result>();
      constexpr int kWorkers = 5;
      for (int i = 0; i < kWorkers; ++i) go(send_result_nobody_receives, results, i);
      wait_parked(kWorkers);
      results.recv();
      results = Chan<Result>();             // the aggregator drops its handle, as returning does
      wait_parked(kWorkers - 1, kWorkers);  // the worker received from has exited
      write_profile(proto_path);
      return 0;
    });
  }
  if (name == "held-by-main") {  // main still holds the channel: nothing leaked
    return run([&] {
      auto ch = make_chan<int>();
      for (int i = 0; i < 3; ++i) go(receive_forever, ch);
      wait_parked(3);
      write_profile(proto_path);
      ch.close();
      return 0;
    });
  }
  if (name == "held-in-heap") {  // the only other handle is on the heap: not leaked
    return run([&] {
      auto ch = std::make_unique<Chan<int>>(make_chan<int>());
      go(receive_forever, *ch);
      wait_parked(1);
      write_profile(proto_path);
      ch->close();
      return 0;
    });
  }
  if (name == "pointer-from-blocked") {
    // A goroutine waits on a channel only its own stack holds; another, blocked on
    // a Mutex (a wait the profile does not trace: not a candidate), took the
    // handle's address from it and will send through it once main unlocks: no
    // leak. Main never sees the address.
    return run([&] {
      auto publish = make_chan<Chan<int>*>(1);
      auto done = make_chan<int>(1);
      sync::Mutex gate;
      gate.lock();
      go(receive_on_own_channel, publish, done);
      go([publish, &gate] {
        Chan<int>* target = *publish.recv();  // on this goroutine's stack
        gate.lock();
        target->send(7);
        gate.unlock();
      });
      wait_parked(2);  // the receiver, and the sender at the gate
      write_profile(proto_path);
      gate.unlock();
      return *done.recv() == 7 ? 0 : 5;
    });
  }
  if (name == "pointer-in-heap") {
    // The same, the address kept only behind a heap object.
    return run([&] {
      auto publish = make_chan<Chan<int>*>(1);
      auto done = make_chan<int>(1);
      sync::Mutex gate;
      gate.lock();
      go(receive_on_own_channel, publish, done);
      go([publish, &gate] {
        auto box = std::make_shared<Chan<int>*>(*publish.recv());
        gate.lock();
        (*box)->send(9);
        gate.unlock();
      });
      wait_parked(2);
      write_profile(proto_path);
      gate.unlock();
      return *done.recv() == 9 ? 0 : 5;
    });
  }
  if (name == "cycle") {  // two goroutines, each holding what the other waits on
    return run([&] {
      {
        auto a = make_chan<int>();
        auto b = make_chan<int>();
        go(cycle_member, a, b);
        go(cycle_member, b, a);
      }
      wait_parked(2);
      write_profile(proto_path);
      return 0;
    });
  }
  if (name == "chain") {
    // A waits on ab, whose other handle B holds; B waits on bc, which main holds:
    // nothing leaks while main holds bc; both once main drops it.
    return run([&] {
      auto bc = make_chan<int>();
      {
        auto ab = make_chan<int>();
        go(cycle_member, ab, make_chan<int>());
        go(cycle_member, bc, ab);
      }
      wait_parked(2);
      write_profile(proto_path);
      std::cout << "===\n";
      bc = Chan<int>();
      write_profile(nullptr);
      return 0;
    });
  }
  if (name == "forever") {  // a nil channel and select{}: nothing can wake them
    return run([&] {
      go(nil_receive);
      go(empty_select);
      wait_parked(2);
      write_profile(proto_path);
      return 0;
    });
  }
  if (name == "timer-and-mutex") {
    // A timer will send; a Mutex wait is not traced: neither is reported.
    return run([&] {
      auto unlocked = std::make_shared<sync::Mutex>();
      unlocked->lock();
      go([] { time::after(1h).recv(); });
      go([unlocked] { unlocked->lock(); });
      auto done = make_chan<int>();
      go(receive_then_report, make_chan<int>(), done);  // leaked: one to report
      wait_parked(3);
      write_profile(proto_path);
      return 0;
    });
  }
  std::fprintf(stderr, "unknown scenario %s\n", name.c_str());
  return 64;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 64;
  return scenario(argv[1], argc > 2 ? argv[2] : nullptr);
}
