// E22 cond-broadcast-button: Broadcast wakes every subscriber. A
// Button has a Clicked Cond; three handlers subscribe, each in a goroutine waiting on
// it; one Broadcast runs all three (`Maximizing window.`, `Displaying annoying dialog
// box!`, `Mouse clicked.`, in any order), then clickRegistered.Wait() returns.
//
// The tutorial has a lost-wake-up race: subscribe's goroutine calls Done before it locks
// c.L and waits, so the Broadcast can come before a handler waits, and then
// clickRegistered.Wait() hangs forever. Fixed here: the goroutine calls Done after
// c.L.Lock(), and main holds c.L around Broadcast, so every handler is inside Wait
// when it is broadcast. --repeat N clicks N fresh buttons in turn (to exercise the
// fix; a round prints its three lines before the next starts).
// Usage: tour_E22 [--repeat N]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>

#include "gocxx/gocxx.hpp"
#include "tour_flags.hpp"

namespace {

struct Button {
  gocxx::sync::Cond* Clicked;
};

// The Cond and its Mutex (sync.NewCond(&sync.Mutex{})). Shared with the handlers'
// goroutines, which unlock it after clickRegistered.Wait() may have returned.
struct Clicked {
  gocxx::sync::Mutex mu;
  gocxx::sync::Cond cond{mu};
};

void click_once() {
  auto clicked = std::make_shared<Clicked>();
  Button button{&clicked->cond};
  auto subscribe = [clicked](gocxx::sync::Cond* c, std::function<void()> fn) {
    gocxx::sync::WaitGroup goroutineRunning;
    goroutineRunning.add(1);
    gocxx::go([c, fn, &goroutineRunning, keep = clicked]() mutable {
      c->l.lock();
      goroutineRunning.done();  // the fix: after Lock, so the handler is in Wait
                                // before main can Broadcast
      c->wait();
      fn();
      c->l.unlock();  // defer c.L.Unlock()
      keep.reset();   // the last one out frees the Cond
    });
    goroutineRunning.wait();
  };
  gocxx::sync::WaitGroup clickRegistered;
  clickRegistered.add(3);
  subscribe(button.Clicked, [&clickRegistered] {
    std::printf("Maximizing window.\n");
    clickRegistered.done();
  });
  subscribe(button.Clicked, [&clickRegistered] {
    std::printf("Displaying annoying dialog box!\n");
    clickRegistered.done();
  });
  subscribe(button.Clicked, [&clickRegistered] {
    std::printf("Mouse clicked.\n");
    clickRegistered.done();
  });
  button.Clicked->l.lock();  // the fix: every handler has released L in Wait
  button.Clicked->broadcast();
  button.Clicked->l.unlock();
  clickRegistered.wait();
}

}  // namespace

int main(int argc, char** argv) {
  long repeat = 1;
  if (!tour::parse_flags(argc, argv, {{"--repeat", &repeat}}, "[--repeat N]")) return 2;
  return gocxx::run([repeat] {
    for (long i = 0; i < repeat; i++) click_once();
  });
}
