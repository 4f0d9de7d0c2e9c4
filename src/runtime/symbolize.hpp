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

// A switched-out context as DWARF call-frame information sees it: the pc it
// resumes at, its stack pointer and the callee-saved registers the switch kept,
// by DWARF register number. Only memory inside [stack_lo, stack_hi) is read.
struct SavedContext {
  struct Register {
    int dwarf_number;
    std::uintptr_t value;
  };
  std::uintptr_t pc = 0;
  std::uintptr_t sp = 0;
  Register registers[16]{};
  int nregisters = 0;
  std::uintptr_t stack_lo = 0;
  std::uintptr_t stack_hi = 0;
};

// Unwinds ctx by the modules' call-frame information (libdw), storing return
// addresses innermost first (pcs[0] is ctx.pc). Returns how many it stored, or -1
// when this build cannot unwind (no libdw).
int unwind_saved_context(const SavedContext& ctx, void** pcs, int max);

// A mangled C++ name demangled (the name itself if it is not one).
std::string demangle(const char* name);

}  // namespace gocxx::rt
