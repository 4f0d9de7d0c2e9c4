// Signals on channels (Go's os/signal and runtime/sigqueue.go), over a self-pipe.
//
// The handler writes the signal's number to a non-blocking pipe (write is
// async-signal-safe; a full pipe drops the signal, as Go's queue coalesces). A
// goroutine started with the first notify reads the pipe through the network
// poller and try-sends each signal to the channels registered for it. signalfd
// would need the signals blocked in every thread, including threads the program
// made before gocxx started; a handler works whatever the masks are.
#include "gocxx/signal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>
#include <vector>

#include "gocxx/errors.hpp"
#include "gocxx/runtime.hpp"
#include "gocxx/select.hpp"
#include "runtime/sched.hpp"

namespace gocxx::signal {

namespace {

constexpr int kMaxSignal = 65;

int g_pipe[2] = {-1, -1};

bool catchable(int sig) {
  switch (sig) {
    case SIGKILL:
    case SIGSTOP:
    case SIGSEGV:
    case SIGBUS:
    case SIGFPE:
    case SIGILL:
    case SIGTRAP:
      return false;
    default:
      return sig > 0 && sig < kMaxSignal && (sig < 32 || sig >= SIGRTMIN);
  }
}

struct Registry {
  std::mutex mu;
  // Channels per signal. A channel registered for several signals appears in each.
  std::vector<SendChan<int>> chans[kMaxSignal];
  bool handled[kMaxSignal] = {};  // our handler is installed
  bool saved[kMaxSignal] = {};    // original holds the disposition before us
  struct sigaction original[kMaxSignal] = {};
  bool reader_started = false;
};

Registry& registry() {
  static Registry* r = [] {
    auto* p = new Registry;  // never destroyed: the reader goroutine outlives main
    detail::keep_forever(p);
    return p;
  }();
  return *r;
}

extern "C" void on_signal(int sig) {
  int saved_errno = errno;
  auto byte = static_cast<unsigned char>(sig);
  (void)!::write(g_pipe[1], &byte, 1);
  errno = saved_errno;
}

void save_original(Registry& r, int sig) {
  if (r.saved[sig]) return;
  sigaction(sig, nullptr, &r.original[sig]);
  r.saved[sig] = true;
}

void install(Registry& r, int sig) {
  if (r.handled[sig]) return;
  save_original(r, sig);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART | SA_ONSTACK;
  sigaction(sig, &sa, nullptr);
  r.handled[sig] = true;
}

void restore(Registry& r, int sig) {
  if (!r.handled[sig]) return;
  sigaction(sig, &r.original[sig], nullptr);
  r.handled[sig] = false;
}

// The relay: the pipe's read end is registered with the poller, so the goroutine
// parks (IO wait) until a signal arrives.
void start_reader(Registry& r) {
  if (r.reader_started) return;
  if (pipe2(g_pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
    throw Panic(std::string("signal: pipe2 failed: ") + std::strerror(errno));
  }
  int err = 0;
  rt::PollDesc* pd = rt::poll_open(g_pipe[0], &err);
  if (pd == nullptr) throw Panic(std::string("signal: poller: ") + std::strerror(err));
  r.reader_started = true;
  go([pd] {
    Registry& reg = registry();
    unsigned char buf[64];
    for (;;) {
      ssize_t n = ::read(g_pipe[0], buf, sizeof buf);
      if (n < 0 && errno == EAGAIN) {
        rt::poll_wait(pd, rt::PollMode::read);
        continue;
      }
      if (n <= 0) continue;  // EINTR
      std::lock_guard<std::mutex> guard(reg.mu);
      for (ssize_t i = 0; i < n; i++) {
        for (auto& ch : reg.chans[buf[i]]) (void)ch.try_send(static_cast<int>(buf[i]));
      }
    }
  });
}

template <class F>
void for_signals(std::initializer_list<int> signals, F f) {
  if (signals.size() == 0) {
    for (int s = 1; s < kMaxSignal; s++) {
      if (catchable(s)) f(s);
    }
    return;
  }
  for (int s : signals) {
    if (!catchable(s)) throw Panic("signal: cannot relay signal " + std::to_string(s));
    f(s);
  }
}

void remove(std::vector<SendChan<int>>& v, const SendChan<int>& ch) {
  for (std::size_t i = 0; i < v.size();) {
    if (v[i] == ch) {
      v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      i++;
    }
  }
}

class SignalError : public errors::ErrorBase {
 public:
  explicit SignalError(int sig) : sig_(sig) {}
  std::string message() const override { return name(sig_) + " signal received"; }

 private:
  int sig_;
};

}  // namespace

std::string name(int sig) {
  const char* d = sigdescr_np(sig);
  if (d == nullptr) return "signal " + std::to_string(sig);
  std::string s = d;
  if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z') s[0] = static_cast<char>(s[0] + 32);
  return s;
}

void notify(SendChan<int> ch, std::initializer_list<int> signals) {
  if (!ch) throw Panic("signal: Notify using nil channel");
  Registry& r = registry();
  std::lock_guard<std::mutex> guard(r.mu);
  start_reader(r);
  for_signals(signals, [&](int s) {
    for (auto& c : r.chans[s]) {
      if (c == ch) return;  // already registered for s
    }
    r.chans[s].push_back(ch);
    install(r, s);
  });
}

void stop(SendChan<int> ch) {
  Registry& r = registry();
  std::lock_guard<std::mutex> guard(r.mu);
  for (int s = 1; s < kMaxSignal; s++) {
    bool had = !r.chans[s].empty();
    remove(r.chans[s], ch);
    if (had && r.chans[s].empty()) restore(r, s);
  }
}

void ignore(std::initializer_list<int> signals) {
  Registry& r = registry();
  std::lock_guard<std::mutex> guard(r.mu);
  for_signals(signals, [&](int s) {
    r.chans[s].clear();
    save_original(r, s);
    r.handled[s] = false;
    struct sigaction sa {};
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    sigaction(s, &sa, nullptr);
  });
}

void reset(std::initializer_list<int> signals) {
  Registry& r = registry();
  std::lock_guard<std::mutex> guard(r.mu);
  for_signals(signals, [&](int s) {
    r.chans[s].clear();
    if (r.saved[s]) sigaction(s, &r.original[s], nullptr);
    r.handled[s] = false;
  });
}

bool ignored(int sig) {
  struct sigaction sa {};
  if (sigaction(sig, nullptr, &sa) != 0) return false;
  return (sa.sa_flags & SA_SIGINFO) == 0 && sa.sa_handler == SIG_IGN;
}

std::pair<context::Context, context::CancelFunc> notify_context(
    const context::Context& parent, std::initializer_list<int> signals) {
  auto [outer, cancel_cause] = context::with_cancel_cause(parent);
  auto [ctx, cancel] = context::with_cancel(outer);
  auto ch = make_chan<int>(1);
  notify(ch, signals);
  go([ctx = ctx, cancel_cause = cancel_cause, ch] {
    select(recv(ch,
                [&](std::optional<int> sig) {
                  cancel_cause(Error::from<SignalError>(sig.value_or(0)));
                }),
           recv(ctx.done()));
    stop(ch);
  });
  return {ctx, cancel};
}

}  // namespace gocxx::signal
