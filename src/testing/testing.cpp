// gocxx::testing: leak checks and the test's context (see <gocxx/testing.hpp>).
//
// Leak checks read the runtime's own traceback of every goroutine
// (runtime::stack(true)) and cut it into one block per goroutine: the tracebacks a
// user sees in a leak report are the ones a crash or a SIGQUIT would print.
#include "gocxx/testing.hpp"

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <set>
#include <sstream>
#include <string_view>

#include "gocxx/errors.hpp"
#include "gocxx/pprof.hpp"
#include "gocxx/runtime.hpp"

namespace gocxx::testing {

namespace {

// --- tracebacks, cut per goroutine ---------------------------------------------

struct GoroutineTrace {
  std::uint64_t id = 0;
  std::string text;  // `goroutine N [state]:` and its lines, without a trailing newline
};

// The number after `goroutine ` in a header line, or 0.
std::uint64_t header_id(std::string_view header) {
  constexpr std::string_view kPrefix = "goroutine ";
  if (header.substr(0, kPrefix.size()) != kPrefix) return 0;
  std::uint64_t id = 0;
  for (std::size_t i = kPrefix.size(); i < header.size() && header[i] >= '0' && header[i] <= '9';
       ++i) {
    id = id * 10 + static_cast<std::uint64_t>(header[i] - '0');
  }
  return id;
}

// Blocks are separated by a blank line; each starts with its header.
std::vector<GoroutineTrace> split_tracebacks(std::string_view all) {
  std::vector<GoroutineTrace> out;
  while (!all.empty()) {
    std::size_t end = all.find("\n\n");
    std::string_view block = all.substr(0, end);
    all = end == std::string_view::npos ? std::string_view() : all.substr(end + 2);
    while (!block.empty() && block.back() == '\n') block.remove_suffix(1);
    if (std::uint64_t id = header_id(block)) out.push_back({id, std::string(block)});
  }
  return out;
}

// A frame's function name as `created by` prints it: without the parameter list,
// the cv/ref qualifiers after it and the compiler's clone suffixes.
std::string_view bare_function(std::string_view name) {
  // GCC's specialised copies: `f(int) [clone .isra.0] [clone .cold]`.
  for (std::size_t at;
       (at = name.rfind(" [clone ")) != std::string_view::npos && name.back() == ']';) {
    name = name.substr(0, at);
  }
  for (;;) {
    bool trimmed = false;
    for (std::string_view q : {" const", " volatile", " &&", " &", " noexcept"}) {
      if (name.size() > q.size() && name.substr(name.size() - q.size()) == q) {
        name.remove_suffix(q.size());
        trimmed = true;
      }
    }
    if (!trimmed) break;
  }
  if (name.empty() || name.back() != ')') return name;
  int depth = 0;
  for (std::size_t i = name.size(); i-- > 0;) {
    if (name[i] == ')') ++depth;
    if (name[i] == '(' && --depth == 0) return name.substr(0, i);
  }
  return name;
}

// Whether a frame of the block names one of the functions. Frame lines are the
// ones not indented (the file:line under each is), after the header and before
// `created by`.
bool has_frame_of(const std::string& block, const std::vector<std::string>& functions) {
  if (functions.empty()) return false;
  std::string_view rest(block);
  rest = rest.substr(std::min(rest.size(), rest.find('\n') + 1));  // the header
  while (!rest.empty()) {
    std::size_t eol = rest.find('\n');
    std::string_view line = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 1);
    if (line.empty() || line[0] == '\t' || line[0] == ' ') continue;
    if (line.substr(0, 11) == "created by ") break;
    std::string_view bare = bare_function(line);
    for (const std::string& f : functions) {
      if (line == f || bare == f) return true;
    }
  }
  return false;
}

std::mutex g_baseline_mu;
std::set<std::uint64_t> g_baseline;  // guarded by g_baseline_mu

// The goroutines that count as leaks now, as traceback blocks.
std::vector<GoroutineTrace> current_leaks(const LeakOptions& options) {
  std::uint64_t self = runtime::goroutine_id();
  std::set<std::uint64_t> baseline;
  if (options.ignore_current) {
    std::lock_guard lock(g_baseline_mu);
    baseline = g_baseline;
  }
  std::vector<GoroutineTrace> leaks;
  for (GoroutineTrace& g : split_tracebacks(runtime::stack(true))) {
    if (g.id == self || baseline.count(g.id) != 0) continue;
    // One that ended while the traceback was written: no longer a goroutine.
    if (g.text.find(" [idle]:") != std::string::npos ||
        g.text.find(" [dead]:") != std::string::npos)
      continue;
    if (has_frame_of(g.text, options.ignore_functions)) continue;
    leaks.push_back(std::move(g));
  }
  return leaks;
}

// The ids the goroutine-leak profile reports: those that can never be woken.
std::set<std::uint64_t> never_wake() {
  std::set<std::uint64_t> ids;
  std::ostringstream text;
  if (pprof::lookup("goroutineleak")->write_to(text, 2)) return ids;
  for (const GoroutineTrace& g : split_tracebacks(text.str())) ids.insert(g.id);
  return ids;
}

}  // namespace

void wait() {
  gocxx::detail::bubble_wait();
}

void sleep(time::Duration d) {
  if (!in_bubble()) throw Panic("goroutine is not in a bubble");
  time::sleep(d);
  wait();
}

bool in_bubble() noexcept {
  return gocxx::detail::in_bubble();
}

std::vector<std::string> find_leaks(const LeakOptions& options) {
  time::Time deadline = time::add(time::now(), options.grace);
  time::Duration backoff = std::chrono::microseconds(100);
  std::vector<GoroutineTrace> leaks = current_leaks(options);
  while (!leaks.empty()) {
    time::Duration left = time::until(deadline);
    if (left <= time::Duration::zero()) break;
    time::sleep(std::min(backoff, left));
    backoff = std::min<time::Duration>(backoff * 2, std::chrono::milliseconds(50));
    leaks = current_leaks(options);
  }
  std::vector<std::string> out;
  if (leaks.empty()) return out;
  std::set<std::uint64_t> stuck = never_wake();
  for (GoroutineTrace& g : leaks) {
    if (stuck.count(g.id) != 0) {
      std::size_t eol = g.text.find('\n');
      g.text.insert(eol == std::string::npos ? g.text.size() : eol,
                    "\n(leaked: it can never be woken)");
    }
    out.push_back(std::move(g.text));
  }
  return out;
}

void verify_none(const LeakOptions& options) {
  std::vector<std::string> leaks = find_leaks(options);
  if (leaks.empty()) return;
  std::string message = "found unexpected goroutines:\n";
  for (const std::string& leak : leaks) message += "\n" + leak + "\n";
  // ADD_FAILURE() without its "Failed" line: the message starts as goleak's does.
  GTEST_NONFATAL_FAILURE_(message.c_str());
}

void set_baseline() {
  std::set<std::uint64_t> ids;
  for (const GoroutineTrace& g : split_tracebacks(runtime::stack(true))) ids.insert(g.id);
  std::lock_guard lock(g_baseline_mu);
  g_baseline = std::move(ids);
}

namespace {

class LeakCheckListener : public ::testing::EmptyTestEventListener {
 public:
  explicit LeakCheckListener(LeakOptions options) : options_(std::move(options)) {}
  // GoogleTest calls the listeners' OnTestEnd in the reverse order of their
  // installation, so this runs before the default printer reports the result,
  // while the test is still the current one: a failure here is the test's.
  void OnTestEnd(const ::testing::TestInfo& info) override {
    if (info.result()->Skipped()) return;
    verify_none(options_);
  }

 private:
  LeakOptions options_;
};

}  // namespace

void install_leak_check(const LeakOptions& options) {
  ::testing::UnitTest::GetInstance()->listeners().Append(new LeakCheckListener(options));
}

// --- the test's context -----------------------------------------------------------

namespace {

struct TestContextState {
  std::mutex mu;
  const ::testing::TestInfo* test = nullptr;  // whose context ctx is
  context::Context ctx;
  context::CancelFunc cancel;
  bool listener_installed = false;
};

TestContextState& test_context_state() {
  static auto* state = new TestContextState;  // never destroyed: listeners may outlive statics
  return *state;
}

// Cancels the context of `test`, if it has one.
void cancel_test_context(const ::testing::TestInfo* test, bool forget) {
  TestContextState& s = test_context_state();
  context::CancelFunc cancel;
  {
    std::lock_guard lock(s.mu);
    if (s.test != test || s.test == nullptr) return;
    cancel = s.cancel;
    if (forget) {
      s.test = nullptr;
      s.ctx = context::Context();
      s.cancel = context::CancelFunc();
    }
  }
  cancel();
}

class TestContextListener : public ::testing::EmptyTestEventListener {
 public:
  void OnTestEnd(const ::testing::TestInfo& info) override { cancel_test_context(&info, true); }
};

}  // namespace

context::Context test_context() {
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  if (test == nullptr) throw Panic("gocxx::testing::test_context called while no test is running");
  TestContextState& s = test_context_state();
  std::lock_guard lock(s.mu);
  if (!s.listener_installed) {
    ::testing::UnitTest::GetInstance()->listeners().Append(new TestContextListener);
    s.listener_installed = true;
  }
  if (s.test != test) {
    auto [ctx, cancel] = context::with_cancel(context::background());
    s.test = test;
    s.ctx = std::move(ctx);
    s.cancel = std::move(cancel);
  }
  return s.ctx;
}

void Test::TearDown() {
  cancel_test_context(::testing::UnitTest::GetInstance()->current_test_info(), false);
}

}  // namespace gocxx::testing
