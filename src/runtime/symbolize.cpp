// Symbolisation with elfutils' libdwfl when available (function names from the
// symbol tables, file:line from DWARF), else dladdr (exported names only).
#include "symbolize.hpp"

#include <cxxabi.h>
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#if defined(GOCXX_HAVE_LIBDW)
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#endif

namespace gocxx::rt {

std::string demangle(const char* name) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> d(
      abi::__cxa_demangle(name, nullptr, nullptr, &status), &std::free);
  return status == 0 && d ? std::string(d.get()) : std::string(name);
}

namespace {

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
    const char* modname =
        dwfl_module_info(mod, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
    if (modname != nullptr) out->file = modname;
  }
  return name != nullptr || !out->file.empty();
}

std::string die_function_name(Dwarf_Die* die);

// A function DIE's name as C++ spells it: the demangled linkage name when the
// compiler emitted one, else the DIE's own name qualified by its enclosing scopes
// (namespaces, classes, the function a lambda is defined in), which is what
// inlined lambdas and functions with internal linkage need.
std::string die_function_name(Dwarf_Die* die) {
  Dwarf_Die target = *die;
  Dwarf_Die ref;
  Dwarf_Attribute attr;
  for (int hops = 0; hops < 8; ++hops) {  // concrete -> abstract -> declaration
    if (dwarf_attr(&target, DW_AT_abstract_origin, &attr) != nullptr &&
        dwarf_formref_die(&attr, &ref) != nullptr) {
      target = ref;
    } else if (dwarf_attr(&target, DW_AT_specification, &attr) != nullptr &&
               dwarf_formref_die(&attr, &ref) != nullptr) {
      target = ref;
    } else {
      break;
    }
  }
  for (int at : {DW_AT_linkage_name, DW_AT_MIPS_linkage_name}) {
    if (dwarf_attr(&target, at, &attr) != nullptr) {
      if (const char* n = dwarf_formstring(&attr)) return demangle(n);
    }
  }
  Dwarf_Die* scopes = nullptr;
  int n = dwarf_getscopes_die(&target, &scopes);
  if (n <= 0) {
    const char* name = dwarf_diename(&target);
    return name != nullptr ? name : "";
  }
  std::unique_ptr<Dwarf_Die, decltype(&std::free)> owned(scopes, &std::free);
  std::string out;
  for (int i = n - 1; i >= 0; --i) {  // outermost first; scopes[n-1] is the unit
    int tag = dwarf_tag(&scopes[i]);
    const char* name = dwarf_diename(&scopes[i]);
    std::string part;
    switch (tag) {
      case DW_TAG_namespace:
        part = name != nullptr ? name : "(anonymous namespace)";
        break;
      case DW_TAG_class_type:
      case DW_TAG_structure_type:
      case DW_TAG_union_type:
        part = name != nullptr ? name : "{lambda}";
        break;
      case DW_TAG_subprogram:
        // A function defined out of line names its declaration (and namespace)
        // through DW_AT_specification: qualify it through that.
        part = i < n - 1 && i > 0 ? strip_parameters(die_function_name(&scopes[i]))
                                  : std::string(name != nullptr ? name : "?");
        if (!out.empty() && part.rfind(out + "::", 0) == 0) out.clear();
        break;
      default:
        continue;
    }
    if (!out.empty()) out += "::";
    out += part;
  }
  return out;
}

// The DIEs containing pc, innermost first, searching every child of die: code
// scopes whose ranges contain pc, and every DIE without ranges (types, namespaces,
// abstract instances of functions), which may hold function bodies.
bool find_scopes_in(Dwarf_Die* die, Dwarf_Addr pc, std::vector<Dwarf_Die>* path, int depth) {
  if (depth > 64) return false;
  Dwarf_Die child;
  if (dwarf_child(die, &child) != 0) return false;
  do {
    int tag = dwarf_tag(&child);
    bool code =
        tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block;
    bool has_ranges = dwarf_hasattr(&child, DW_AT_low_pc) || dwarf_hasattr(&child, DW_AT_ranges);
    if (has_ranges) {
      if (code && dwarf_haspc(&child, pc) == 1) {
        find_scopes_in(&child, pc, path, depth + 1);
        path->push_back(child);
        return true;
      }
    } else if (dwarf_haschildren(&child) && find_scopes_in(&child, pc, path, depth + 1)) {
      return true;
    }
  } while (dwarf_siblingof(&child, &child) == 0);
  return false;
}

void find_scopes(Dwarf_Die* cu, Dwarf_Addr pc, std::vector<Dwarf_Die>* out) {
  out->clear();
  find_scopes_in(cu, pc, out, 0);
}

bool symbolize_inlined_dwfl(std::uintptr_t addr, std::vector<Symbol>* out) {
  DwflState& s = dwfl_state();
  std::lock_guard<std::mutex> lock(s.mu);
  if (s.dwfl == nullptr) s.report();
  if (s.dwfl == nullptr) return false;
  Dwfl_Module* mod = dwfl_addrmodule(s.dwfl, addr);
  if (mod == nullptr) return false;
  Dwarf_Addr bias = 0;
  Dwarf_Die* cu = dwfl_module_addrdie(mod, addr, &bias);
  if (cu == nullptr) return false;
  // GCC sometimes leaves a call instruction at the end of an inlined body outside
  // that body's address ranges (the line table still knows it); the instructions
  // just before it are inside, so look back a few bytes for the inline chain, but
  // not past the start of the function (into the one laid out before it).
  Dwarf_Addr max_back = 1;
  GElf_Off offset = 0;
  GElf_Sym sym;
  if (dwfl_module_addrinfo(mod, addr, &offset, &sym, nullptr, nullptr, nullptr) != nullptr) {
    max_back = std::min<Dwarf_Addr>(16, offset + 1);
  }
  Dwarf_Die* scopes = nullptr;
  int n = 0;
  for (Dwarf_Addr back = 0; back < max_back; ++back) {
    Dwarf_Die* candidate = nullptr;
    int m = dwarf_getscopes(cu, addr - bias - back, &candidate);
    bool inlined = false;
    for (int i = 0; i < m && !inlined; ++i)
      inlined = dwarf_tag(&candidate[i]) == DW_TAG_inlined_subroutine;
    if (back == 0 || inlined) {
      std::free(scopes);
      scopes = candidate;
      n = m;
      if (inlined) break;
    } else {
      std::free(candidate);
    }
  }
  std::vector<Dwarf_Die> found;
  {
    // dwarf_getscopes misses function bodies that GCC nests inside scopes without
    // pc ranges (the out-of-line static invoker of a lambda, _FUN, which every
    // goroutine entry goes through, sits in the abstract instance of the template
    // that defines the lambda), or finds only the inner part of the chain there:
    // search the whole unit too, and keep the longer chain.
    std::vector<Dwarf_Die> candidate;
    for (Dwarf_Addr back = 0; back < max_back; ++back) {
      find_scopes(cu, addr - bias - back, &candidate);
      bool has_inlined = false;
      for (Dwarf_Die& d : candidate) has_inlined |= dwarf_tag(&d) == DW_TAG_inlined_subroutine;
      if (found.empty() || has_inlined) found = candidate;
      if (has_inlined) break;
    }
    // (dwarf_getscopes may also leave out the function the chain is inlined into.)
    auto functions_in = [](Dwarf_Die* dies, std::size_t count) {
      int k = 0;
      for (std::size_t i = 0; i < count; ++i) {
        int tag = dwarf_tag(&dies[i]);
        k += tag == DW_TAG_inlined_subroutine || tag == DW_TAG_subprogram;
      }
      return k;
    };
    if (functions_in(found.data(), found.size()) >
        functions_in(scopes, static_cast<std::size_t>(std::max(n, 0)))) {
      std::free(scopes);
      scopes = nullptr;
      n = static_cast<int>(found.size());
    }
  }
  if (n <= 0) {
    std::free(scopes);
    return false;
  }
  std::unique_ptr<Dwarf_Die, decltype(&std::free)> owned(scopes, &std::free);
  Dwarf_Die* chain = scopes != nullptr ? scopes : found.data();
  Dwarf_Files* files = nullptr;
  std::size_t nfiles = 0;
  dwarf_getsrcfiles(cu, &files, &nfiles);

  // The innermost location is the line table's.
  Symbol loc;
  if (Dwfl_Line* line = dwfl_module_getsrc(mod, addr)) {
    int lineno = 0;
    if (const char* file = dwfl_lineinfo(line, nullptr, &lineno, nullptr, nullptr, nullptr)) {
      loc.file = file;
      loc.line = lineno;
    }
  }
  for (int i = 0; i < n; ++i) {
    int tag = dwarf_tag(&chain[i]);
    if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram) continue;
    Symbol frame = loc;
    frame.function = die_function_name(&chain[i]);
    if (tag == DW_TAG_subprogram) {
      out->push_back(frame);
      return true;
    }
    out->push_back(frame);
    // The caller's location is this inlined call's site.
    Dwarf_Attribute attr;
    Dwarf_Word call_file = 0;
    Dwarf_Word call_line = 0;
    if (dwarf_formudata(dwarf_attr(&chain[i], DW_AT_call_file, &attr), &call_file) == 0 &&
        files != nullptr && call_file < nfiles) {
      if (const char* f = dwarf_filesrc(files, call_file, nullptr, nullptr)) loc.file = f;
    }
    if (dwarf_formudata(dwarf_attr(&chain[i], DW_AT_call_line, &attr), &call_line) == 0) {
      loc.line = static_cast<int>(call_line);
    }
  }
  return !out->empty();
}
#endif

}  // namespace

// "ns::f(int) const" -> "ns::f": scope names are printed without parameter lists.
std::string strip_parameters(std::string name) {
  if (name.size() > 6 && name.compare(name.size() - 6, 6, " const") == 0)
    name.resize(name.size() - 6);
  if (name.empty() || name.back() != ')') return name;
  // A bare "f::operator()" has no parameter list to strip.
  if (name.size() >= 10 && name.compare(name.size() - 10, 10, "operator()") == 0) return name;
  int depth = 0;
  for (std::size_t i = name.size(); i-- > 0;) {
    if (name[i] == ')') ++depth;
    if (name[i] == '(' && --depth == 0) return name.substr(0, i);
  }
  return name;
}

namespace {

std::vector<Symbol> symbolize_inlined_uncached(const void* pc, bool return_address) {
  std::vector<Symbol> frames;
#if defined(GOCXX_HAVE_LIBDW)
  auto addr = reinterpret_cast<std::uintptr_t>(pc);
  std::uintptr_t lookup = return_address && addr > 0 ? addr - 1 : addr;
  if (symbolize_inlined_dwfl(lookup, &frames)) {
    // The outermost frame is the real function: the symbol table has its fully
    // qualified name and the offset of the pc in it.
    Symbol whole = symbolize(pc, return_address);
    frames.back().offset = whole.offset;
    if (!whole.function.empty()) frames.back().function = whole.function;
    return frames;
  }
  frames.clear();
#endif
  frames.push_back(symbolize(pc, return_address));
  return frames;
}

}  // namespace

std::vector<Symbol> symbolize_inlined(const void* pc, bool return_address) {
  // Profiles symbolise the same pcs again and again, and a lookup may search a
  // whole compilation unit.
  static auto* cache = new std::unordered_map<std::uintptr_t, std::vector<Symbol>>;
  static std::mutex cache_mu;
  std::uintptr_t key = reinterpret_cast<std::uintptr_t>(pc) * 2 + (return_address ? 1 : 0);
  {
    std::lock_guard<std::mutex> lock(cache_mu);
    auto it = cache->find(key);
    if (it != cache->end()) return it->second;
  }
  std::vector<Symbol> frames = symbolize_inlined_uncached(pc, return_address);
  std::lock_guard<std::mutex> lock(cache_mu);
  if (cache->size() < 100000) cache->emplace(key, frames);
  return frames;
}

#if defined(GOCXX_HAVE_LIBDW)
namespace {

// libdw unwinds "threads" of a "process" it has attached to through callbacks;
// here the process is this one and its only thread is the context being walked.
// Set under DwflState::mu for the length of one walk.
const SavedContext* g_unwinding = nullptr;

struct UnwindWalk {
  void** pcs;
  int max;
  int n;
};

bool unwind_get_thread(Dwfl*, pid_t, void*, void** thread_arg) {
  *thread_arg = nullptr;
  return g_unwinding != nullptr;
}

pid_t unwind_next_thread(Dwfl*, void*, void**) {
  return 0;  // walks name their thread; nothing to enumerate
}

// libdw sees the stack at this distance from where it is: every value that points
// into it, in a register or in memory, is shown moved by kStackAlias, so the
// frames libdw mallocs and frees hold no real stack address, which a later
// goroutine-leak profile would find in freed memory and take for a live pointer.
// (Offsets between stack addresses, which the unwind rules compute, are kept.)
constexpr Dwarf_Word kStackAlias = Dwarf_Word{1} << 62;

Dwarf_Word alias_if_stack(const SavedContext* ctx, Dwarf_Word v) noexcept {
  return v >= ctx->stack_lo && v < ctx->stack_hi ? v + kStackAlias : v;
}

__attribute__((no_sanitize("address", "thread"))) bool unwind_memory_read(Dwfl*, Dwarf_Addr addr,
                                                                          Dwarf_Word* result,
                                                                          void*) {
  const SavedContext* ctx = g_unwinding;
  if (ctx == nullptr) return false;
  addr -= kStackAlias;
  if (addr < ctx->stack_lo || addr % sizeof(Dwarf_Word) != 0 ||
      addr > ctx->stack_hi - sizeof(Dwarf_Word)) {  // not addr + 8: that may wrap
    return false;
  }
  *result =
      alias_if_stack(ctx, *reinterpret_cast<const Dwarf_Word*>(static_cast<std::uintptr_t>(addr)));
  return true;
}

bool unwind_set_initial_registers(Dwfl_Thread* thread, void*) {
  const SavedContext* ctx = g_unwinding;
  if (ctx == nullptr) return false;
#if defined(__x86_64__)
  constexpr int kSpRegister = 7;
#elif defined(__aarch64__)
  constexpr int kSpRegister = 31;
#endif
  Dwarf_Word sp = alias_if_stack(ctx, ctx->sp);
  if (!dwfl_thread_state_registers(thread, kSpRegister, 1, &sp)) return false;
  for (int i = 0; i < ctx->nregisters; ++i) {
    Dwarf_Word v = alias_if_stack(ctx, ctx->registers[i].value);
    if (!dwfl_thread_state_registers(thread, ctx->registers[i].dwarf_number, 1, &v)) return false;
  }
  dwfl_thread_state_register_pc(thread, ctx->pc);
  return true;
}

int unwind_frame(Dwfl_Frame* frame, void* arg) {
  auto* walk = static_cast<UnwindWalk*>(arg);
  Dwarf_Addr pc = 0;
  bool activation = false;
  if (!dwfl_frame_pc(frame, &pc, &activation) || pc == 0) return DWARF_CB_ABORT;
  walk->pcs[walk->n++] = reinterpret_cast<void*>(static_cast<std::uintptr_t>(pc));
  return walk->n < walk->max ? DWARF_CB_OK : DWARF_CB_ABORT;
}

const Dwfl_Thread_Callbacks kUnwindCallbacks = {
    unwind_next_thread,           unwind_get_thread, unwind_memory_read,
    unwind_set_initial_registers, nullptr,           nullptr,
};

}  // namespace
#endif

int unwind_saved_context(const SavedContext& ctx, void** pcs, int max) {
#if defined(GOCXX_HAVE_LIBDW)
  if (max <= 0) return 0;
  DwflState& s = dwfl_state();
  std::lock_guard<std::mutex> lock(s.mu);
  if (s.dwfl == nullptr) s.report();
  if (s.dwfl == nullptr) return -1;
  static int attached = 0;  // 0 not yet, 1 attached, -1 failed
  if (attached == 0) {
    attached = dwfl_attach_state(s.dwfl, nullptr, getpid(), &kUnwindCallbacks, nullptr) ? 1 : -1;
  }
  if (attached < 0) return -1;
  if (dwfl_addrmodule(s.dwfl, ctx.pc) == nullptr) s.report();  // a library loaded since
  UnwindWalk walk{pcs, max, 0};
  g_unwinding = &ctx;
  dwfl_getthread_frames(s.dwfl, getpid(), unwind_frame, &walk);
  g_unwinding = nullptr;
  return walk.n;
#else
  (void)ctx;
  (void)pcs;
  (void)max;
  return -1;
#endif
}

namespace {

Symbol symbolize_uncached(const void* pc, bool return_address) {
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

}  // namespace

Symbol symbolize(const void* pc, bool return_address) {
  // A dump of many goroutines parked in the same places looks up the same pcs again
  // and again, and a symbol-table lookup is a linear search.
  static auto* cache = new std::unordered_map<std::uintptr_t, Symbol>;
  static std::mutex cache_mu;
  std::uintptr_t key = reinterpret_cast<std::uintptr_t>(pc) * 2 + (return_address ? 1 : 0);
  {
    std::lock_guard<std::mutex> lock(cache_mu);
    auto it = cache->find(key);
    if (it != cache->end()) return it->second;
  }
  Symbol sym = symbolize_uncached(pc, return_address);
  std::lock_guard<std::mutex> lock(cache_mu);
  if (cache->size() < 100000) cache->emplace(key, sym);
  return sym;
}

}  // namespace gocxx::rt
