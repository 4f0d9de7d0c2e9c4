// E24 once-counts-do-calls: a Once counts calls of Do, not
// distinct functions: once.Do(increment) then once.Do(decrement) runs only
// increment, so count is 1.
#include <cstdio>

#include "gocxx/gocxx.hpp"

int main() {
  return gocxx::run([] {
    int count = 0;
    auto increment = [&count] { count++; };
    auto decrement = [&count] { count--; };
    gocxx::sync::Once once;
    once.call(increment);
    once.call(decrement);  // does nothing: this Once has run a function already
    std::printf("Count: %d\n", count);
  });
}
