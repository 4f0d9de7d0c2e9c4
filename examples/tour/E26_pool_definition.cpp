// E26 pool-definition: the object-pool pattern keeps expensive
// objects (database connections, say) to be shared by many users. sync.Pool is safe
// for concurrent use; Get removes an arbitrary pooled item and returns it, or, when
// there is none, the result of New (nil if there is no New); Put gives an item back.
// The tutorial only lists the API; this program checks each statement and prints one
// line per fact. gocxx's Pool<T> is built from New (a callable returning T), or
// without one, when get() on an empty pool returns T{}: with T = std::any, nil. Like
// Go's (which may drop pooled items at a garbage collection), it drops items nobody
// takes within a few seconds.
#include <any>
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>

#include "gocxx/gocxx.hpp"

namespace {

const char* yes(bool b) {
  return b ? "true" : "false";
}

void without_new() {
  gocxx::sync::Pool<std::any> pool;
  std::any x = pool.get();
  std::printf("Get on an empty Pool without New: nil: %s\n", yes(!x.has_value()));
}

void with_new() {
  int calls = 0;
  gocxx::sync::Pool<std::any> pool([&calls]() -> std::any {
    calls++;
    return std::string("new instance");
  });
  std::any x = pool.get();
  std::printf("Get on an empty Pool with New: New called %d time(s), got %s\n", calls,
              std::any_cast<std::string>(x).c_str());
}

void put_then_get() {
  gocxx::sync::Pool<std::any> pool;
  auto item = std::make_shared<int>(42);
  pool.put(item);
  std::any x = pool.get();
  const auto* got = std::any_cast<std::shared_ptr<int>>(&x);
  std::printf("Put(x) then Get() on one goroutine: got x back: %s; the pool is empty again: %s\n",
              yes(got != nullptr && *got == item), yes(!pool.get().has_value()));
}

// Many goroutines Get and Put the same few items: no item is ever held by two
// goroutines at once (each item counts its holders).
void concurrent() {
  constexpr int goroutines = 100, rounds = 1000;
  struct Item {
    std::atomic<int> holders{0};
  };
  std::atomic<int> created{0}, shared{0};
  gocxx::sync::Pool<std::shared_ptr<Item>> pool([&created] {
    created++;
    return std::make_shared<Item>();
  });
  gocxx::sync::WaitGroup wg;
  for (int g = 0; g < goroutines; g++) {
    wg.go([&] {
      for (int i = 0; i < rounds; i++) {
        std::shared_ptr<Item> item = pool.get();
        if (item->holders.fetch_add(1) != 0) shared++;
        if (i % 7 == 0) gocxx::runtime::gosched();  // hold it across a switch now and then
        item->holders.fetch_sub(1);
        pool.put(std::move(item));
      }
    });
  }
  wg.wait();
  std::printf(
      "%d goroutines, %d Get/Put in all: items held by two goroutines at once: %d; "
      "far fewer items created than Gets: %s\n",
      goroutines, goroutines * rounds, shared.load(),
      yes(created.load() * 100 < goroutines * rounds));
}

}  // namespace

int main() {
  return gocxx::run([] {
    without_new();
    with_new();
    put_then_get();
    concurrent();
  });
}
