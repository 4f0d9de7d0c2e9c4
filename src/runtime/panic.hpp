// Fatal errors, the uncaught-exception handler, and tracebacks.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace gocxx::rt {

struct G;

// Go's `fatal error: <msg>`: prints it with the goroutine tracebacks and exits 2.
[[noreturn]] void fatal(const char* msg) noexcept;

// Installs the std::terminate handler that turns an exception escaping a goroutine
// into Go's `panic: <what>` + traceback + exit 2, and the stack-overflow handler.
void install_crash_handlers() noexcept;
// Per OS thread that runs goroutines: the alternate stack the overflow handler uses.
void* install_signal_stack() noexcept;
// Before such a thread ends: disables and frees what install_signal_stack made.
void remove_signal_stack(void* stack) noexcept;

// SIGQUIT: whether one arrived, and the report sysmon then writes (every goroutine,
// exit 2).
bool sigquit_pending() noexcept;
[[noreturn]] void report_sigquit() noexcept;

// debug::set_crash_output: fd >= 0 duplicates it as the second destination of every
// fatal report, -1 removes it. Returns 0 or an errno value.
int set_crash_output(int fd) noexcept;

// All of s to standard error (diagnostics that are not fatal reports: schedtrace,
// the stall report), retrying interrupted writes.
void write_stderr(const std::string& s) noexcept;

// `goroutine N [running]:`, the frames of pcs (innermost first, return
// addresses) and `created by`: a goroutine caught running by a signal.
std::string running_traceback(const G* g, void* const* pcs, int n);

// `goroutine N [status]:` plus, for the calling goroutine, its frames.
std::string traceback(bool all, G* self, int skip_frames);

// Stacks for profiles: return addresses, innermost first, without the runtime's
// frames below the blocking call (gocxx::rt's) or the goroutine entry above the
// goroutine's function. goroutine_stacks: the caller's stack (less skip_self more
// frames) when it is a goroutine, then every other goroutine's, by id; a
// goroutine running on another thread has an empty stack. caller_stack: the
// calling context's, less skip more frames. With `labels`, also each one's pprof
// labels, in the same order.
std::vector<std::vector<void*>> goroutine_stacks(
    int skip_self, std::vector<std::vector<std::pair<std::string, std::string>>>* labels = nullptr);
std::vector<void*> caller_stack(int skip);
// One parked (or runnable) goroutine's stack, as goroutine_stacks gives it; empty
// when it runs or moved while it was read.
std::vector<void*> parked_goroutine_stack(G* g);
// The goroutine-leak profile's stacks (as goroutine_stacks gives them) and its
// debug=2 text (tracebacks with `(leaked)` after the wait reason).
std::vector<std::vector<void*>> leaked_goroutine_stacks(
    const void* caller_frame,
    std::vector<std::vector<std::pair<std::string, std::string>>>* labels = nullptr);
std::string leaked_traceback(const void* caller_frame);

// Whether tracebacks leave this frame out (the runtime's own, gocxx::detail's,
// the std::invoke plumbing) unless GOTRACEBACK=system.
struct Symbol;
bool hidden_in_tracebacks(const Symbol& sym);

// The wait reason or status word Go prints in a goroutine header.
const char* status_string(const G* g) noexcept;

}  // namespace gocxx::rt
