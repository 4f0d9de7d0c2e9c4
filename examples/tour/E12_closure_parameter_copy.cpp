// E12 closure-parameter-copy: passing the value as an argument
// of the goroutine's function gives each goroutine its own copy, so each salutation
// is printed exactly once (in some order).
#include <cstdio>
#include <string>

#include "gocxx/gocxx.hpp"

int main() {
  return gocxx::run([] {
    gocxx::sync::WaitGroup wg;
    for (std::string salutation : {"hello", "greetings", "good day"}) {
      wg.add(1);
      // go func(salutation string) {...}(salutation): the argument is copied now.
      gocxx::go(
          [&wg](const std::string& salutation) {
            std::printf("%s\n", salutation.c_str());
            wg.done();
          },
          salutation);
    }
    wg.wait();
  });
}
