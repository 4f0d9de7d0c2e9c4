// E09 go-statement-sayhello: `go` before a call starts a
// goroutine: a named function, a function literal, a function-valued variable.
// main does not wait for its children, so `hello` is printed 0 to 3 times.
// `--join` is the deterministic variant: a WaitGroup joins the three (3 lines).
#include <unistd.h>

#include <cstring>

#include "gocxx/gocxx.hpp"

namespace {

// Like Go's unbuffered os.Stdout: one write per line, so a line is never torn when
// main returns while a goroutine is printing.
void println(const char* s) {
  char line[64];
  std::size_t n = std::strlen(s);
  std::memcpy(line, s, n);
  line[n] = '\n';
  ssize_t rc = ::write(STDOUT_FILENO, line, n + 1);
  (void)rc;
}

gocxx::sync::WaitGroup* joiner = nullptr;  // set by --join

void sayHello() {
  println("hello");
  if (joiner != nullptr) joiner->done();
}

}  // namespace

int main(int argc, char** argv) {
  bool join = argc > 1 && std::strcmp(argv[1], "--join") == 0;
  return gocxx::run([join] {
    gocxx::sync::WaitGroup wg;
    if (join) {
      joiner = &wg;
      wg.add(3);
    }
    gocxx::go(sayHello);
    gocxx::go([] {
      println("hello");
      if (joiner != nullptr) joiner->done();
    });
    auto sayHello = [] { ::sayHello(); };  // shadows the function, as in the Go code
    gocxx::go(sayHello);
    if (join) wg.wait();
    // Without --join main returns here: the program ends whatever the children did.
  });
}
