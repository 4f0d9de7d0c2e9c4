// E37 buffered-producer-stdoutbuff: a producer fills a cap-4
// channel; both sides log into an in-memory buffer written to stdout at the end
// (printing directly would change the timing). The tutorial's bytes.Buffer is shared
// by two goroutines without synchronisation; here the buffer is mutex-protected.
#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <string>

#include "gocxx/gocxx.hpp"

namespace {

// bytes.Buffer + a mutex. The lock is never held across a blocking operation.
class SyncBuffer {
 public:
  __attribute__((format(printf, 2, 3))) void printf(const char* format, ...) {
    char line[128];
    va_list args;
    va_start(args, format);
    std::vsnprintf(line, sizeof line, format, args);
    va_end(args);
    std::lock_guard<std::mutex> lock(mu_);
    text_ += line;
  }
  void write_to(std::FILE* out) {
    std::lock_guard<std::mutex> lock(mu_);
    std::fwrite(text_.data(), 1, text_.size(), out);
  }

 private:
  std::mutex mu_;
  std::string text_;
};

}  // namespace

int main() {
  return gocxx::run([] {
    SyncBuffer stdoutBuff;
    struct WriteTo {
      SyncBuffer& b;
      ~WriteTo() { b.write_to(stdout); }  // defer stdoutBuff.WriteTo(os.Stdout)
    } flush{stdoutBuff};
    auto intStream = gocxx::make_chan<int>(4);
    gocxx::go([&stdoutBuff, intStream] {
      // Deferred calls run last-in first-out: the print, then the close.
      struct Close {
        gocxx::Chan<int> c;
        ~Close() { c.close(); }  // defer close(intStream)
      } close{intStream};
      struct Print {
        SyncBuffer& b;
        ~Print() { b.printf("Producer Done.\n"); }  // defer fmt.Fprintln(...)
      } print{stdoutBuff};
      for (int i = 0; i < 5; i++) {
        stdoutBuff.printf("Sending: %d\n", i);
        intStream.send(i);
      }
    });
    for (int integer : intStream) stdoutBuff.printf("Received %d.\n", integer);
  });
}
