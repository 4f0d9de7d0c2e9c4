// Program counters to function names and source lines, for tracebacks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gocxx::rt {

struct Symbol {
  std::string function;       // demangled; empty if unknown
  std::string file;           // source file, or the module when there is no line info
  int line = 0;               // 0 when unknown
  std::uintptr_t offset = 0;  // pc minus the function's (or the module's) start
};

// return_address: pc is a return address (look up the call instruction before it).
Symbol symbolize(const void* pc, bool return_address);

// The frames at pc with inlined calls expanded, innermost first, as Go prints them:
// each inlined function is a frame of its own whose location is the line executing
// in it, and whose caller's location is the call site. Only the outermost frame
// (the real function) carries an offset.
std::vector<Symbol> symbolize_inlined(const void* pc, bool return_address);

// "ns::f(int) const" -> "ns::f".
std::string strip_parameters(std::string name);

// A mangled C++ name demangled (the name itself if it is not one).
std::string demangle(const char* name);

}  // namespace gocxx::rt
