// E05 deadlock-printsum: printSum(&a, &b) and printSum(&b, &a)
// each lock their first value, sleep 2s, then try to lock the second: each holds one
// mutex and waits for the other, forever. All four Coffman conditions hold (mutual
// exclusion, hold-and-wait, no preemption, circular wait), so the deadlock is
// certain: no `sum=` line is ever printed and wg.Wait() never returns.
//
// As Go's, gocxx's runtime sees that every goroutine is asleep and ends the program
// with `fatal error: all goroutines are asleep - deadlock!`, every goroutine's
// traceback (two in printSum, parked in sync.Mutex.Lock; main in
// sync.WaitGroup.Wait) and exit status 2.
// Usage: tour_E05 [--scale N]   (--scale divides the 2s sleep by N)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include "gocxx/gocxx.hpp"
#include "tour_flags.hpp"

using namespace std::chrono_literals;

namespace {

struct value {
  gocxx::sync::Mutex mu;
  int value = 0;
};

}  // namespace

int main(int argc, char** argv) {
  long scale = 1;
  if (!tour::parse_flags(argc, argv, {{"--scale", &scale}}, "[--scale N]")) return 2;
  return gocxx::run([scale] {
    gocxx::sync::WaitGroup wg;
    auto printSum = [&wg, scale](value* v1, value* v2) {
      struct Done {
        gocxx::sync::WaitGroup& wg;
        ~Done() { wg.done(); }  // defer wg.Done()
      } done{wg};
      std::lock_guard<gocxx::sync::Mutex> l1(v1->mu);  // v1.mu.Lock(); defer v1.mu.Unlock()
      gocxx::time::sleep(gocxx::time::Duration(2s) / scale);
      std::lock_guard<gocxx::sync::Mutex> l2(v2->mu);  // blocks forever
      std::printf("sum=%d\n", v1->value + v2->value);
    };
    value a, b;
    wg.add(2);
    gocxx::go(printSum, &a, &b);  // locks a, then waits for b
    gocxx::go(printSum, &b, &a);  // locks b, then waits for a
    wg.wait();
  });
}
