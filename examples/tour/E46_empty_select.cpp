// E46 empty-select: `select {}` blocks forever. Here a
// goroutine runs it: it stays blocked while main keeps running, and main then
// returns normally. (In main alone it would be Go's deadlock error; gocxx has no
// deadlock detector yet.)
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

int main() {
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
