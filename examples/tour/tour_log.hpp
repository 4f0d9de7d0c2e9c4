// Go's log package as the tour's rate and steward examples use it
// (log.SetFlags(log.Ltime | log.LUTC)): each line is `HH:MM:SS message` in UTC.
// With steady timestamps (the tests' --steady), each line starts instead with the
// time since the program's start, as a Go duration, so that a test can check
// when each line was printed.
#pragma once

#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <string>

#include "gocxx/time.hpp"

namespace tour {

class Log {
 public:
  explicit Log(bool steady) : steady_(steady), start_(gocxx::time::now()) {}

  // One line (the format has no trailing newline), written with one call so that
  // goroutines logging at once do not interleave within a line.
  [[gnu::format(printf, 2, 3)]] void printf(const char* fmt, ...) const {
    char message[512];
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    std::string stamp;
    if (steady_) {
      stamp = gocxx::time::to_string(gocxx::time::since(start_));
    } else {
      std::time_t t = std::time(nullptr);
      std::tm tm{};
      gmtime_r(&t, &tm);
      char hms[16];
      std::strftime(hms, sizeof hms, "%H:%M:%S", &tm);
      stamp = hms;
    }
    std::fprintf(stdout, "%s %s\n", stamp.c_str(), message);
    std::fflush(stdout);
  }

 private:
  bool steady_;
  gocxx::time::Time start_;
};

}  // namespace tour
