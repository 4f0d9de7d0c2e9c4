// E46 empty-select: `select {}` blocks forever. By default a
// goroutine runs it: it stays blocked while main keeps running, and main then
// returns normally. With `main`, main itself runs it with no other goroutine:
// that is Go's deadlock, `fatal error: all goroutines are asleep - deadlock!` and
// exit status 2.
// Usage: tour_E46 [main]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "gocxx/gocxx.hpp"

namespace {

bool some_goroutine_is(const char* state) {
  return gocxx::runtime::stack(true).find(state) != std::string::npos;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "main") {
    return gocxx::run([] { gocxx::select(); });  // select {} alone in main
  }
  return gocxx::run([] {
    std::atomic<bool> returned{false};
    gocxx::go([&returned] {
      gocxx::select();  // select {}
      returned.store(true);
    });
    while (!some_goroutine_is("[select (no cases)]")) gocxx::runtime::gosched();
    std::printf("goroutine blocked in select {}\n");
    // main keeps running for 100ms (a blocking call: the processor stays available).
    gocxx::blocking([] { std::this_thread::sleep_for(std::chrono::milliseconds(100)); });
    bool still = !returned.load() && some_goroutine_is("[select (no cases)]");
    std::printf("after 100ms it is still blocked: %s\n", still ? "true" : "false");
    std::printf("main returns\n");
  });
}
