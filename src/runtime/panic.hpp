// Fatal errors, the uncaught-exception handler, and tracebacks.
#pragma once

#include <string>

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

// `goroutine N [status]:` plus, for the calling goroutine, its frames.
std::string traceback(bool all, G* self, int skip_frames);

// The wait reason or status word Go prints in a goroutine header.
const char* status_string(const G* g) noexcept;

}  // namespace gocxx::rt
