// Crashes the Go way: `panic: <what>` for an exception escaping a goroutine,
// `fatal error: <msg>` for unrecoverable runtime errors, both followed by goroutine
// tracebacks and exit status 2.
#include "panic.hpp"

#include <cxxabi.h>
#include <execinfo.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#include <unwind.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "clock.hpp"
#include "sched.hpp"
#include "symbolize.hpp"
#include "unwind.hpp"

namespace gocxx::rt {
namespace {

std::terminate_handler g_previous_terminate = nullptr;
struct sigaction g_previous_segv {};
struct sigaction g_previous_bus {};

// debug::set_crash_output's descriptor (a dup), or -1.
std::atomic<int> g_crash_fd{-1};

void write_fd(int fd, const char* p, std::size_t n) noexcept {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

// A fatal report goes to standard error and to the crash output, if one is set.
void write_report(const char* p, std::size_t n) noexcept {
  write_fd(STDERR_FILENO, p, n);
  int fd = g_crash_fd.load(std::memory_order_acquire);
  if (fd >= 0) write_fd(fd, p, n);
}

void write_all(const std::string& s) noexcept {
  write_report(s.data(), s.size());
}

}  // namespace

void write_stderr(const std::string& s) noexcept {
  write_fd(STDERR_FILENO, s.data(), s.size());
}

namespace {

// GOTRACEBACK, as Go reads it: none (0), single (the default), all (1), system
// (2), crash (system, then abort). Read when a report is written: the setting at
// the time of the crash counts.
enum class TracebackLevel { none, single, all, system, crash };

TracebackLevel traceback_level() {
  const char* env = std::getenv("GOTRACEBACK");
  if (env == nullptr) return TracebackLevel::single;
  auto is = [env](const char* v) { return std::strcmp(env, v) == 0; };
  if (is("none") || is("0")) return TracebackLevel::none;
  if (is("all") || is("1")) return TracebackLevel::all;
  if (is("system") || is("2")) return TracebackLevel::system;
  if (is("crash")) return TracebackLevel::crash;
  return TracebackLevel::single;
}

// Runtime frames are hidden from tracebacks, as Go hides runtime.* frames, unless
// GOTRACEBACK=system; what remains starts at the user's code.
bool show_runtime_frames() {
  TracebackLevel l = traceback_level();
  return l == TracebackLevel::system || l == TracebackLevel::crash;
}

bool is_runtime_frame(const std::string& fn);

bool is_runtime_frame(const Symbol& sym) {
  // The seams in gocxx's public headers (task type erasure, go(), run()).
  if (sym.file.find("/include/gocxx/detail/") != std::string::npos) return true;
  return is_runtime_frame(sym.function);
}

bool is_runtime_frame(const std::string& fn) {
  static const char* const kPrefixes[] = {
      "gocxx::rt::",        "gocxx::detail::",  "gocxx::run<",
      "gocxx::go<",         "gocxx::blocking<", "gocxx::sync::WaitGroup::go<",
      "gocxx::select<",  // Go's runtime.selectgo
      "std::__invoke",      "std::invoke<",     "std::apply<",
      "std::__apply_impl<",  // GoTask unpacks go()'s arguments
  };
  // A template's linkage name starts with its return type ("void gocxx::go<...>").
  std::size_t name_start = 0;
  std::size_t paren = fn.find('(');
  std::size_t angle = fn.find('<');
  std::size_t space = fn.find(' ');
  if (space != std::string::npos && space < std::min(paren, angle)) name_start = space + 1;
  for (const char* p : kPrefixes) {
    if (fn.compare(name_start, std::strlen(p), p) == 0) return true;
    // ... or with a template return type ("std::invoke_result<...>::type std::invoke<").
    if (fn.find(std::string(" ") + p) != std::string::npos && p[0] == 's') return true;
  }
  return false;
}

// A frame as Go prints it: the function, then a tab, file:line, and for a real
// (not inlined) frame the offset of the pc in the function.
void append_symbol(std::string& out, const Symbol& sym, bool with_offset) {
  out += sym.function.empty() ? std::string("?()") : sym.function;
  out += "\n";
  out += "\t";
  out += sym.file.empty() ? std::string("?") : sym.file;
  char buf[48];
  if (sym.line > 0) {
    std::snprintf(buf, sizeof buf, ":%d", sym.line);
    out += buf;
  }
  if (with_offset) {
    std::snprintf(buf, sizeof buf, " +0x%zx", static_cast<std::size_t>(sym.offset));
    out += buf;
  }
  out += "\n";
}

bool frame_is(void* pc, const char* fragment) {
  Symbol sym = symbolize(pc, true);
  return sym.function.find(fragment) != std::string::npos;
}

void append_header(std::string& out, const G* g, const char* status) {
  // Whole minutes parked, once at least one: Go's "[chan receive, 2 minutes]".
  char minutes[48] = "";
  std::int64_t since = g->wait_since_gen == g->park_gen ? std::int64_t{g->wait_since} : 0;
  if (g->status.load(std::memory_order_relaxed) == GStatus::waiting && since != 0) {
    std::int64_t waited = (nanotime() - since) / (60 * std::int64_t{1'000'000'000});
    if (waited >= 1)
      std::snprintf(minutes, sizeof minutes, ", %lld minutes", static_cast<long long>(waited));
  }
  char buf[192];
  std::snprintf(buf, sizeof buf, "goroutine %llu [%s%s%s", static_cast<unsigned long long>(g->id),
                status, minutes,
                static_cast<M*>(g->locked_m) != nullptr ? ", locked to thread" : "");
  out += buf;
  // Go 1.27 (GODEBUG=tracebacklabels=1, its default): the pprof labels.
  if (static_cast<LabelSet*>(g->labels) != nullptr &&
      g_traceback_labels.load(std::memory_order_relaxed)) {
    std::string labels = labels_traceback_text(labels_of(g));
    if (!labels.empty()) out += ", " + labels;
  }
  out += "]:\n";
}

// `created by F in goroutine N`: F is the innermost non-runtime function at the
// `go` call (go() is inlined into it), with the call's file:line.
void append_created_by(std::string& out, const G* g) {
  void* pc = g->creator_pc;
  if (pc == nullptr || g->id == 1) return;
  std::vector<Symbol> frames = symbolize_inlined(pc, true);
  std::size_t pick = 0;
  // The go statement is in the user's code: skip gocxx's own frames, public ones
  // too (an argument's copy constructor inlined at the call, with the sanitizers).
  auto in_gocxx = [](const Symbol& sym) {
    return is_runtime_frame(sym) || sym.function.rfind("gocxx::", 0) == 0;
  };
  // Where every frame is gocxx's (a goroutine started by WaitGroup::go), the
  // outermost, the function holding the go call, is the creator, as Go names
  // sync.(*WaitGroup).Go.
  while (pick + 1 < frames.size() && in_gocxx(frames[pick])) ++pick;
  Symbol sym = frames[pick];
  char buf[64];
  std::snprintf(buf, sizeof buf, " in goroutine %llu",
                static_cast<unsigned long long>(g->parent_id));
  out += "created by ";
  out += sym.function.empty() ? std::string("?") : strip_parameters(sym.function);
  out += buf;
  sym.function.clear();
  std::string loc;
  append_symbol(loc, sym, pick + 1 == frames.size());
  out += loc.substr(loc.find('\n'));  // "\n\tfile:line [+0x..]\n"
}

// Frames from return addresses (innermost first), inlined calls expanded, down to
// the runtime's goroutine entry. Runtime frames are dropped unless GOTRACEBACK says
// otherwise (or unless nothing else is left).
void append_frames(std::string& out, void* const* pcs, int n) {
  struct Frame {
    Symbol sym;
    bool outermost;  // a real frame, not an inlined call
    bool runtime;    // the runtime's, or the standard library's inlined into it
  };
  std::vector<Frame> frames;
  for (int i = 0; i < n; ++i) {
    if (frame_is(pcs[i], "goroutine_trampoline_entry") || frame_is(pcs[i], "gocxx_ctx_")) break;
    std::vector<Symbol> expanded = symbolize_inlined(pcs[i], true);
    // A std::atomic store inlined into a runtime function is the runtime's too; user
    // code inlined into one (a lambda into run's or go's entry) stays the user's.
    bool in_runtime = !expanded.empty() && is_runtime_frame(expanded.back());
    for (std::size_t k = 0; k < expanded.size(); ++k) {
      bool library = expanded[k].function.rfind("std::", 0) == 0;
      frames.push_back({expanded[k], k + 1 == expanded.size(),
                        is_runtime_frame(expanded[k]) || (in_runtime && library)});
    }
  }
  bool all = show_runtime_frames();
  bool any_user = false;
  for (const Frame& f : frames) any_user = any_user || !f.runtime;
  for (const Frame& f : frames) {
    if (!all && any_user && f.runtime) continue;
    append_symbol(out, f.sym, f.outermost);
  }
}

// The calling goroutine's frames, from the first frame after `after_symbol` (or
// after skip frames).
void append_own_frames(std::string& out, int skip, const char* after_symbol) {
  void* pcs[128];
  int n = backtrace(pcs, 128);
  int start = skip;
  if (after_symbol != nullptr) {
    for (int i = 0; i < n; ++i) {
      if (frame_is(pcs[i], after_symbol)) {
        start = i + 1;
        break;
      }
    }
  }
  if (start < n) append_frames(out, pcs + start, n - start);
}

// A switched-out goroutine's frames, where it parked (or last yielded). Nothing
// when it started running again while we looked: the walk may have read a stack
// that was changing.
void append_parked_frames(std::string& out, G* g) {
  void* pcs[128];
  int n = walk_pinned(g, pcs, 128);
  append_frames(out, pcs, n);
}

bool want_all_goroutines() {
  TracebackLevel l = traceback_level();
  return l == TracebackLevel::all || l == TracebackLevel::system || l == TracebackLevel::crash;
}

bool want_no_traceback() {
  return traceback_level() == TracebackLevel::none;
}

std::string traceback_impl(bool all, G* self, int skip, const char* after_symbol) {
  std::string out;
  bool self_is_goroutine = self != nullptr && self->kind == G::Kind::goroutine;
  if (self_is_goroutine) {
    append_header(out, self, "running");
    append_own_frames(out, skip, after_symbol);
    append_created_by(out, self);
  }
  if (!all) return out;
  for (G* g : goroutines_by_id(self)) {
    GStatus st = g->status.load(std::memory_order_relaxed);
    if (!out.empty()) out += "\n";
    append_header(out, g, status_string(g));
    if (st == GStatus::running || st == GStatus::syscall) {
      out += "\tgoroutine running on other thread; stack unavailable\n";
    } else {
      append_parked_frames(out, g);
    }
    append_created_by(out, g);
  }
  return out;
}

[[noreturn]] void die() noexcept {
  std::fflush(stdout);
  std::fflush(stderr);
  if (traceback_level() == TracebackLevel::crash) {
    signal(SIGABRT, SIG_DFL);
    std::abort();
  }
  _exit(2);
}

// What the C++ runtime keeps for each exception (the Itanium C++ ABI's
// __cxa_exception, section 2.2.1, and its caught-exceptions stack, 2.2.2). Read
// when an exception escapes a goroutine, to tell Go's two panic chains apart: a
// rethrown exception (`throw;`, Go's recover and panic again with the same value)
// and one thrown while others were being handled (in their catch blocks).
struct CxaException {
  std::type_info* exception_type;
  void (*exception_destructor)(void*);
  void (*unexpected_handler)();
  std::terminate_handler terminate_handler;
  CxaException* next_exception;
  int handler_count;  // negated by a rethrow until the rethrow is caught
  int handler_switch_value;
  const unsigned char* action_record;
  const unsigned char* language_specific_data;
  void* catch_temp;
  void* adjusted_ptr;
  _Unwind_Exception unwind_header;
};
struct CxaEhGlobals {
  CxaException* caught_exceptions;
  unsigned int uncaught_exceptions;
};
constexpr std::uint64_t kCxxExceptionClass = 0x474e5543432b2b00;  // "GNUCC++\0"

struct ExceptionValue {
  std::string text;
  const std::type_info* type = nullptr;
};

// The thrown object's text (what() for std::exception, else its type), as Go
// prints a panic value.
ExceptionValue exception_value(const CxaException* h) {
  ExceptionValue v;
  std::uint64_t cls = h->unwind_header.exception_class;
  void* object = nullptr;
  if ((cls & ~std::uint64_t{0xff}) == kCxxExceptionClass && (cls & 0xff) <= 1) {
    if ((cls & 0xff) == 1) {  // std::rethrow_exception's dependent exception
      object = *reinterpret_cast<void* const*>(h);
      v.type = (static_cast<const CxaException*>(object) - 1)->exception_type;
    } else {
      object = const_cast<CxaException*>(h + 1);
      v.type = h->exception_type;
    }
  }
  if (v.type == nullptr) {
    v.text = "exception of unknown type";
    return v;
  }
  void* adjusted = object;
  if (typeid(std::exception).__do_catch(v.type, &adjusted, 1)) {
    v.text = static_cast<const std::exception*>(adjusted)->what();
  } else {
    v.text = "exception of type " + demangle(v.type->name());
  }
  return v;
}

// Go's printpanics: the oldest panic first, each later one indented by a tab;
// " [recovered]" on one that was being handled when the next was thrown, and
// " [recovered, repanicked]" (Go 1.25) on one thrown again with the same value.
std::string panic_lines(const CxaException* escaping) {
  struct Entry {
    ExceptionValue value;
    bool repanicked;
  };
  std::vector<Entry> chain;  // newest first
  // The terminate path caught the escaping exception once more: 1 if it was never
  // caught before, 2 or more if a catch block rethrew it.
  chain.push_back({exception_value(escaping), escaping->handler_count >= 2});
  for (const CxaException* h = escaping->next_exception; h != nullptr && chain.size() < 64;
       h = h->next_exception) {
    if (h == escaping) continue;
    ExceptionValue v = exception_value(h);
    Entry& newer = chain.back();
    if (!newer.repanicked && v.type == newer.value.type && v.text == newer.value.text) {
      newer.repanicked = true;  // thrown again as a copy: one line, as Go prints it
      continue;
    }
    chain.push_back({std::move(v), false});
  }
  std::string out;
  for (std::size_t i = chain.size(); i-- > 0;) {
    if (i + 1 != chain.size()) out += "\t";
    out += "panic: ";
    out += chain[i].value.text;
    if (chain[i].repanicked) {
      out += " [recovered, repanicked]";
    } else if (i != 0) {
      out += " [recovered]";
    }
    out += "\n";
  }
  return out;
}

void on_terminate() noexcept {
  G* self = current_g();
  std::exception_ptr e = std::current_exception();
  if (self == nullptr || self->kind != G::Kind::goroutine || !e) {
    if (g_previous_terminate != nullptr) g_previous_terminate();
    std::abort();
  }
  std::string msg;
  auto* globals = reinterpret_cast<CxaEhGlobals*>(abi::__cxa_get_globals());
  if (globals != nullptr && globals->caught_exceptions != nullptr) {
    msg = panic_lines(globals->caught_exceptions);
  } else {
    msg = "panic: ";
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      msg += ex.what();
    } catch (...) {
      std::type_info* t = abi::__cxa_current_exception_type();
      msg += "exception of type ";
      msg += t != nullptr ? demangle(t->name()) : std::string("unknown");
    }
    msg += "\n";
  }
  std::fflush(stdout);
  if (!want_no_traceback()) {
    msg += "\n";
    msg += traceback_impl(want_all_goroutines(), self, 0, "__cxa_throw");
  }
  write_all(msg);
  die();
}

// A fault in the guard region below the running goroutine's stack is a stack
// overflow. Anything else goes to the handler that was there before us.
void on_segv(int sig, siginfo_t* info, void* uctx) {
  M* m = current_m();
  G* g = m != nullptr ? m->curg : nullptr;
  if (g != nullptr && g->kind == G::Kind::goroutine &&
      stack_guard_contains(g->stack, info->si_addr)) {
    char buf[160];
    int n = std::snprintf(buf, sizeof buf,
                          "runtime: goroutine stack exceeds %zu-byte limit\n"
                          "fatal error: goroutine %llu stack overflow\n",
                          g->stack.size(), static_cast<unsigned long long>(g->id));
    if (n > 0) write_report(buf, static_cast<std::size_t>(n));
    _exit(2);
  }
  const struct sigaction& prev = sig == SIGBUS ? g_previous_bus : g_previous_segv;
  if ((prev.sa_flags & SA_SIGINFO) != 0 && prev.sa_sigaction != nullptr) {
    prev.sa_sigaction(sig, info, uctx);
    return;
  }
  if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN && prev.sa_handler != nullptr) {
    prev.sa_handler(sig);
    return;
  }
  // Default action: re-raise with the default disposition once we return.
  signal(sig, SIG_DFL);
}

}  // namespace

const char* status_string(const G* g) noexcept {
  switch (g->status.load(std::memory_order_relaxed)) {
    case GStatus::idle:
      return "idle";
    case GStatus::runnable:
      return "runnable";
    case GStatus::running:
      return "running";
    case GStatus::syscall:
      return "syscall";
    case GStatus::dead:
      return "dead";
    case GStatus::waiting: {
      const char* reason = g->wait_reason;
      return reason != nullptr && *reason != '\0' ? reason : "waiting";
    }
  }
  return "???";
}

namespace {

// Drops the runtime's innermost frames (the switch, park, the channel's slow
// path) and everything from the goroutine entry up.
std::vector<void*> trim_for_profile(void* const* pcs, int n) {
  int end = n;
  for (int i = 0; i < n; ++i) {
    if (frame_is(pcs[i], "goroutine_trampoline_entry") || frame_is(pcs[i], "gocxx_ctx_")) {
      end = i;
      break;
    }
  }
  int begin = 0;
  // The sanitizers' interceptor of backtrace() is the innermost frame under them.
  auto below_the_caller = [](void* pc) {
    Symbol sym = symbolize(pc, true);
    return is_runtime_frame(sym) || sym.function.rfind("__interceptor_", 0) == 0 ||
           sym.function.rfind("__sanitizer", 0) == 0;
  };
  while (begin < end && below_the_caller(pcs[begin])) ++begin;
  if (begin == end) begin = 0;  // all runtime: keep them rather than nothing
  return std::vector<void*>(pcs + begin, pcs + end);
}

}  // namespace

bool hidden_in_tracebacks(const Symbol& sym) {
  return is_runtime_frame(sym);
}

std::vector<void*> caller_stack(int skip) {
  void* pcs[128];
  int n = backtrace(pcs, 128);
  std::vector<void*> stack = trim_for_profile(pcs, n);  // drops this frame too
  stack.erase(stack.begin(),
              stack.begin() +
                  std::min<std::size_t>(stack.size(), static_cast<std::size_t>(std::max(skip, 0))));
  return stack;
}

std::vector<std::vector<void*>> goroutine_stacks(int skip_self, std::vector<LabelList>* labels) {
  std::vector<std::vector<void*>> out;
  G* self = current_g();
  bool self_is_goroutine = self != nullptr && self->kind == G::Kind::goroutine;
  if (self_is_goroutine) {
    out.push_back(caller_stack(skip_self));
    if (labels != nullptr) labels->push_back(labels_of(self));
  }
  for (G* g : goroutines_by_id(self)) {
    if (labels != nullptr) labels->push_back(labels_of(g));
    out.push_back(parked_goroutine_stack(g));
  }
  return out;
}

std::vector<void*> parked_goroutine_stack(G* g) {
  void* pcs[128];
  int n = walk_pinned(g, pcs, 128);
  return trim_for_profile(pcs, n);
}

std::vector<std::vector<void*>> leaked_goroutine_stacks(const void* caller_frame,
                                                        std::vector<LabelList>* labels) {
  std::vector<std::vector<void*>> out;
  for (G* g : find_leaked_goroutines(caller_frame)) {
    if (labels != nullptr) labels->push_back(labels_of(g));
    out.push_back(parked_goroutine_stack(g));
  }
  return out;
}

std::string leaked_traceback(const void* caller_frame) {
  std::string out;
  for (G* g : find_leaked_goroutines(caller_frame)) {
    if (!out.empty()) out += "\n";
    std::string status = std::string(status_string(g)) + " (leaked)";
    append_header(out, g, status.c_str());
    append_parked_frames(out, g);
    append_created_by(out, g);
  }
  return out;
}

std::string running_traceback(const G* g, void* const* pcs, int n) {
  std::string out;
  append_header(out, g, "running");
  append_frames(out, pcs, n);
  append_created_by(out, g);
  return out;
}

std::string traceback(bool all, G* self, int skip_frames) {
  return traceback_impl(all, self, skip_frames + 1, nullptr);
}

void fatal(const char* msg) noexcept {
  std::string out = "fatal error: ";
  out += msg;
  out += "\n";
  std::fflush(stdout);
  if (!want_no_traceback()) {
    out += "\n";
    out += traceback_impl(true, current_g(), 1, nullptr);
  }
  write_all(out);
  die();
}

namespace {

// SIGQUIT: the handler only records what Go's report shows about the signal and
// wakes sysmon, which writes the report (allocation, symbolisation and locks are
// not for signal handlers; sysmon runs whatever the goroutines are doing).
struct SigquitReport {
  std::atomic<int> claimed{0};  // the first SIGQUIT's handler owns the fields
  std::atomic<int> ready{0};    // ... and publishes them

  std::uintptr_t pc = 0;
  int m_id = 0;
  int code = 0;
  bool have_registers = false;
  mcontext_t registers{};
};
SigquitReport g_sigquit;

void on_sigquit(int /*sig*/, siginfo_t* info, void* uctx) {
  if (g_sigquit.claimed.exchange(1, std::memory_order_acq_rel) != 0) return;
  int saved_errno = errno;
  M* m = current_m();
  g_sigquit.m_id = m != nullptr ? m->id : 0;
  g_sigquit.code = info != nullptr ? info->si_code : 0;
  if (uctx != nullptr) {
    g_sigquit.registers = static_cast<ucontext_t*>(uctx)->uc_mcontext;
    g_sigquit.have_registers = true;
#if defined(__x86_64__)
    g_sigquit.pc = static_cast<std::uintptr_t>(g_sigquit.registers.gregs[REG_RIP]);
#elif defined(__aarch64__)
    g_sigquit.pc = static_cast<std::uintptr_t>(g_sigquit.registers.pc);
#endif
  }
  g_sigquit.ready.store(1, std::memory_order_release);
  wake_sysmon();
  errno = saved_errno;
}

// Go's dumpregs: one register a line, the name padded to seven columns.
void append_registers(std::string& out, const mcontext_t& mc) {
  char buf[64];
  auto line = [&](const char* name, unsigned long long v) {
    std::snprintf(buf, sizeof buf, "%-7s0x%llx\n", name, v);
    out += buf;
  };
#if defined(__x86_64__)
  static constexpr std::pair<const char*, int> kOrder[] = {
      {"rax", REG_RAX}, {"rbx", REG_RBX}, {"rcx", REG_RCX},   {"rdx", REG_RDX}, {"rdi", REG_RDI},
      {"rsi", REG_RSI}, {"rbp", REG_RBP}, {"rsp", REG_RSP},   {"r8", REG_R8},   {"r9", REG_R9},
      {"r10", REG_R10}, {"r11", REG_R11}, {"r12", REG_R12},   {"r13", REG_R13}, {"r14", REG_R14},
      {"r15", REG_R15}, {"rip", REG_RIP}, {"rflags", REG_EFL}};
  for (const auto& [name, reg] : kOrder) line(name, static_cast<unsigned long long>(mc.gregs[reg]));
  auto csgsfs = static_cast<unsigned long long>(mc.gregs[REG_CSGSFS]);
  line("cs", csgsfs & 0xffff);
  line("fs", (csgsfs >> 32) & 0xffff);
  line("gs", (csgsfs >> 16) & 0xffff);
#elif defined(__aarch64__)
  for (int i = 0; i < 29; ++i) {
    char name[8];
    std::snprintf(name, sizeof name, "r%d", i);
    line(name, mc.regs[i]);
  }
  line("fp", mc.regs[29]);
  line("lr", mc.regs[30]);
  line("sp", mc.sp);
  line("pc", mc.pc);
  line("fault", mc.fault_address);
#endif
}

}  // namespace

bool sigquit_pending() noexcept {
  return g_sigquit.ready.load(std::memory_order_acquire) != 0;
}

void report_sigquit() noexcept {
  char buf[128];
  std::snprintf(buf, sizeof buf, "SIGQUIT: quit\nPC=0x%llx m=%d sigcode=%d\n",
                static_cast<unsigned long long>(g_sigquit.pc), g_sigquit.m_id, g_sigquit.code);
  std::string out = buf;
  std::fflush(stdout);
  if (!want_no_traceback()) {
    out += "\n";
    out += traceback_impl(true, nullptr, 0, nullptr);
    if (g_sigquit.have_registers) {
      out += "\n";
      append_registers(out, g_sigquit.registers);
    }
  }
  write_all(out);
  die();
}

namespace {

constexpr std::size_t kSignalStackSize = 64 * 1024;

}  // namespace

void* install_signal_stack() noexcept {
  constexpr std::size_t kSize = kSignalStackSize;
  void* mem = mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return nullptr;
  stack_t ss{};
  ss.ss_sp = mem;
  ss.ss_size = kSize;
  if (sigaltstack(&ss, nullptr) != 0) {
    munmap(mem, kSize);
    return nullptr;
  }
  return mem;
}

void remove_signal_stack(void* stack) noexcept {
  if (stack == nullptr) return;
  stack_t ss{};
  ss.ss_flags = SS_DISABLE;
  sigaltstack(&ss, nullptr);
  munmap(stack, kSignalStackSize);
}

void install_crash_handlers() noexcept {
  g_previous_terminate = std::set_terminate(on_terminate);
  if constexpr (!kUnderSanitizer) {  // the sanitizers own SIGSEGV
    struct sigaction sa {};
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &g_previous_segv);
    sigaction(SIGBUS, &sa, &g_previous_bus);
  }
  // SIGQUIT dumps every goroutine, as in Go, unless the program (or whatever hosts
  // it) has a handler of its own; signal::notify takes it over and gives it back.
  struct sigaction old {};
  if (sigaction(SIGQUIT, nullptr, &old) == 0 && (old.sa_flags & SA_SIGINFO) == 0 &&
      old.sa_handler == SIG_DFL) {
    struct sigaction sa {};
    sa.sa_sigaction = on_sigquit;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGQUIT, &sa, nullptr);
  }
}

int set_crash_output(int fd) noexcept {
  int copy = -1;
  if (fd >= 0) {
    copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (copy < 0) return errno;
  }
  int old = g_crash_fd.exchange(copy, std::memory_order_acq_rel);
  if (old >= 0) close(old);
  return 0;
}

}  // namespace gocxx::rt
