// A program built against gocxx the way a user builds it (tests/consumer):
// through find_package, add_subdirectory, FetchContent or pkg-config.
#include <gocxx/gocxx.hpp>
#include <gocxx/version.hpp>

#include <cstdio>

int main() {
  return gocxx::run([] {
    auto squares = gocxx::make_chan<int>(4);
    gocxx::go([squares] {
      for (int i = 1; i <= 4; i++) squares.send(i * i);
      squares.close();
    });
    int sum = 0;
    for (int v : squares) sum += v;
    gocxx::sync::Mutex mu;
    mu.lock();
    mu.unlock();
    std::printf("consumer: gocxx %d.%d.%d, sum of squares %d\n", GOCXX_VERSION_MAJOR,
                GOCXX_VERSION_MINOR, GOCXX_VERSION_PATCH, sum);
    return sum == 30 ? 0 : 1;
  });
}
