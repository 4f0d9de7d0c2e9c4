// Symbolisation with elfutils' libdwfl when available (function names from the
// symbol tables, file:line from DWARF), else dladdr (exported names only).
#include "symbolize.hpp"

#include <cxxabi.h>
#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <mutex>

#if defined(GOCXX_HAVE_LIBDW)
#include <elfutils/libdwfl.h>
#endif

namespace gocxx::rt {
namespace {

std::string demangle(const char* name) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> d(
      abi::__cxa_demangle(name, nullptr, nullptr, &status), &std::free);
  return status == 0 && d ? std::string(d.get()) : std::string(name);
}

#if defined(GOCXX_HAVE_LIBDW)
struct DwflState {
  std::mutex mu;
  Dwfl* dwfl = nullptr;
  Dwfl_Callbacks callbacks{};
  char* debuginfo_path = nullptr;

  // (Re)reads the process's modules; called again when a pc is in none of them
  // (a library loaded since).
  void report() {
    if (dwfl == nullptr) {
      callbacks.find_elf = dwfl_linux_proc_find_elf;
      callbacks.find_debuginfo = dwfl_standard_find_debuginfo;
      callbacks.debuginfo_path = &debuginfo_path;
      dwfl = dwfl_begin(&callbacks);
      if (dwfl == nullptr) return;
    }
    dwfl_report_begin(dwfl);
    dwfl_linux_proc_report(dwfl, getpid());
    dwfl_report_end(dwfl, nullptr, nullptr);
  }
};

DwflState& dwfl_state() {
  static auto* s = new DwflState;  // used by crash handlers: never destroyed
  return *s;
}

bool symbolize_dwfl(std::uintptr_t addr, Symbol* out) {
  DwflState& s = dwfl_state();
  std::lock_guard<std::mutex> lock(s.mu);
  if (s.dwfl == nullptr) s.report();
  if (s.dwfl == nullptr) return false;
  Dwfl_Module* mod = dwfl_addrmodule(s.dwfl, addr);
  if (mod == nullptr) {
    s.report();
    mod = dwfl_addrmodule(s.dwfl, addr);
    if (mod == nullptr) return false;
  }
  GElf_Off off = 0;
  GElf_Sym sym;
  const char* name = dwfl_module_addrinfo(mod, addr, &off, &sym, nullptr, nullptr, nullptr);
  if (name != nullptr) {
    out->function = demangle(name);
    out->offset = static_cast<std::uintptr_t>(off);
  }
  if (Dwfl_Line* line = dwfl_module_getsrc(mod, addr)) {
    int lineno = 0;
    const char* file = dwfl_lineinfo(line, nullptr, &lineno, nullptr, nullptr, nullptr);
    if (file != nullptr) {
      out->file = file;
      out->line = lineno;
    }
  }
  if (out->file.empty()) {
    const char* modname = dwfl_module_info(mod, nullptr, nullptr, nullptr, nullptr, nullptr,
                                           nullptr, nullptr);
    if (modname != nullptr) out->file = modname;
  }
  return name != nullptr || !out->file.empty();
}
#endif

}  // namespace

Symbol symbolize(const void* pc, bool return_address) {
  Symbol sym;
  auto addr = reinterpret_cast<std::uintptr_t>(pc);
  // A return address points after the call; its line is the call's line.
  std::uintptr_t lookup = return_address && addr > 0 ? addr - 1 : addr;
#if defined(GOCXX_HAVE_LIBDW)
  if (symbolize_dwfl(lookup, &sym)) {
    if (!sym.function.empty()) sym.offset += addr - lookup;
    return sym;
  }
#endif
  Dl_info info{};
  if (dladdr(reinterpret_cast<const void*>(lookup), &info) != 0) {
    if (info.dli_sname != nullptr) {
      sym.function = demangle(info.dli_sname);
      sym.offset = addr - reinterpret_cast<std::uintptr_t>(info.dli_saddr);
    } else {
      sym.offset = addr - reinterpret_cast<std::uintptr_t>(info.dli_fbase);
    }
    if (info.dli_fname != nullptr) sym.file = info.dli_fname;
  }
  return sym;
}

}  // namespace gocxx::rt
