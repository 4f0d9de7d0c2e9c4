// Program counters to function names and source lines, for tracebacks.
#pragma once

#include <cstdint>
#include <string>

namespace gocxx::rt {

struct Symbol {
  std::string function;  // demangled; empty if unknown
  std::string file;      // source file, or the module when there is no line info
  int line = 0;          // 0 when unknown
  std::uintptr_t offset = 0;  // pc minus the function's (or the module's) start
};

// return_address: pc is a return address (look up the call instruction before it).
Symbol symbolize(const void* pc, bool return_address);

}  // namespace gocxx::rt
