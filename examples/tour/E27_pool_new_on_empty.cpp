// E27 pool-new-on-empty: Get on an empty Pool calls New, which
// prints `Creating new instance.`; Put gives the instance back to the pool. New runs
// once.
#include <any>
#include <cstdio>

#include "gocxx/gocxx.hpp"

int main() {
  return gocxx::run([] {
    gocxx::sync::Pool<std::any> myPool([]() -> std::any {
      std::printf("Creating new instance.\n");
      return gocxx::Unit{};  // struct{}{}
    });
    std::any instance = myPool.get();
    myPool.put(instance);
  });
}
