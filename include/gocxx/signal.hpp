// Go's os/signal: signals delivered on channels, so that a server can shut down
// from a select.
//
//   auto sigs = make_chan<int>(1);                 // buffered: delivery never blocks
//   signal::notify(sigs, {SIGINT, SIGTERM});
//   select(recv(sigs, [&](int s) { shutdown(s); }), recv(done));
//
//   auto [ctx, stop] = signal::notify_context(context::background(), {SIGINT});
//   server.run(ctx);                               // ctx is cancelled on SIGINT
//   stop();                                        // back to the default action
//
// A signal handler that the runtime installs records the signal (async-signal
// safe) and a runtime goroutine, woken through the network poller, hands it to
// every channel registered for it. Delivery never blocks: a channel that is full
// misses that signal, as in Go. Only asynchronous signals are relayed: SIGSEGV,
// SIGBUS, SIGFPE, SIGILL and SIGTRAP raised by a fault stay crashes, and SIGKILL
// and SIGSTOP cannot be caught.
#pragma once

#include <initializer_list>
#include <string>
#include <utility>

#include "gocxx/chan.hpp"
#include "gocxx/context.hpp"

namespace gocxx::signal {

// signal.Notify: relays the signals (every catchable one for an empty list) to ch,
// in addition to any channel already registered. Panics `signal: Notify using nil
// channel` for a nil ch.
void notify(SendChan<int> ch, std::initializer_list<int> signals);
// signal.Stop: no more signals for ch once it returns. A signal nobody is
// registered for any more gets its default action back.
void stop(SendChan<int> ch);
// signal.Ignore: the signals are ignored (and their channels no longer see them).
// An empty list: every catchable signal.
void ignore(std::initializer_list<int> signals);
// signal.Reset: the signals get the action they had before gocxx touched them, and
// their channels no longer see them. An empty list: every catchable signal.
void reset(std::initializer_list<int> signals);
// signal.Ignored: whether the signal is ignored now.
bool ignored(int sig);
// signal.NotifyContext: a context cancelled when one of the signals arrives, with
// a cause whose message names it ("interrupt signal received", Go 1.26). Calling
// the returned function stops the relay (and cancels the context).
std::pair<context::Context, context::CancelFunc> notify_context(const context::Context& parent,
                                                                std::initializer_list<int> signals);
// Go's name of a signal (os.Signal's String): "interrupt", "terminated",
// "user defined signal 1", or "signal N".
std::string name(int sig);

}  // namespace gocxx::signal
