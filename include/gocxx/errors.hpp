// Go's panics as C++ exceptions.
//
// Runtime panics (`send on closed channel`, `close of nil channel`, ...) are thrown
// as gocxx::Panic. As in Go, a panic nobody catches in a goroutine prints
// `panic: <what()>` and the goroutine's traceback to stderr and ends the process with
// exit status 2; `recover()` is `catch (const gocxx::Panic&)`.
#pragma once

#include <stdexcept>
#include <string>

namespace gocxx {

class Panic : public std::logic_error {
 public:
  explicit Panic(const std::string& what) : std::logic_error(what) {}
  explicit Panic(const char* what) : std::logic_error(what) {}
};

}  // namespace gocxx
