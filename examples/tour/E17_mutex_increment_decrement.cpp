// E17 mutex-increment-decrement: a sync.Mutex guards count;
// 6 goroutines increment it and 6 decrement it (`i := 0; i <= 5`), each printing the
// new value inside the critical section, so the printed values always step by
// exactly one from the previous line, whatever the interleaving, and end at 0. Then
// `Arithmetic complete.`
#include <cstdio>
#include <mutex>

#include "gocxx/gocxx.hpp"

int main() {
  return gocxx::run([] {
    int count = 0;
    gocxx::sync::Mutex lock;
    auto increment = [&] {
      std::lock_guard<gocxx::sync::Mutex> guard(lock);  // lock.Lock(); defer lock.Unlock()
      count++;
      std::printf("Incrementing: %d\n", count);
    };
    auto decrement = [&] {
      std::lock_guard<gocxx::sync::Mutex> guard(lock);
      count--;
      std::printf("Decrementing: %d\n", count);
    };
    // Increment
    gocxx::sync::WaitGroup arithmetic;
    for (int i = 0; i <= 5; i++) {
      arithmetic.add(1);
      gocxx::go([&] {
        increment();
        arithmetic.done();
      });
    }
    // Decrement
    for (int i = 0; i <= 5; i++) {
      arithmetic.add(1);
      gocxx::go([&] {
        decrement();
        arithmetic.done();
      });
    }
    arithmetic.wait();
    std::printf("Arithmetic complete.\n");
  });
}
