// Profiles in Go's runtime/pprof formats: what `go tool pprof` reads.
//
//   gocxx::pprof::lookup("goroutine")->write_to(std::cout, 1);  // grouped stacks, as text
//   std::ofstream f("goroutine.pb.gz");
//   gocxx::pprof::lookup("goroutine")->write_to(f, 0);          // go tool pprof goroutine.pb.gz
//
// Built-in profiles: `goroutine` (every goroutine's stack: where it is parked,
// or, for the caller, where it called write_to) and `threadcreate` (one entry per
// OS thread the runtime has started, with an empty stack as Go's has today).
// Programs add their own with new_profile. Profiles are never destroyed: the
// pointers stay valid for the life of the program. All functions are safe to call
// from any goroutine or thread.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "errors.hpp"

namespace gocxx::net {
class Listener;
}  // namespace gocxx::net

namespace gocxx::pprof {

// Labels: key/value pairs attached to a goroutine (Go's pprof.Labels).
using LabelSet = std::vector<std::pair<std::string, std::string>>;

namespace detail {
struct ProfileFactory;

// do_with's seam: the calling goroutine's labels, merged with `labels`, for the
// scope's lifetime.
class LabelScope {
 public:
  explicit LabelScope(const LabelSet& labels);
  ~LabelScope();
  LabelScope(const LabelScope&) = delete;
  LabelScope& operator=(const LabelScope&) = delete;

 private:
  void* previous_;
};
}  // namespace detail

class Profile {
 public:
  Profile(const Profile&) = delete;
  Profile& operator=(const Profile&) = delete;

  std::string name() const;

  // How many entries the profile holds now: for `goroutine`, num_goroutine();
  // for `threadcreate`, the threads the runtime has created (never decreasing);
  // for a custom profile, the values added and not removed.
  int count() const;

  // Custom profiles only (Go's Profile.Add): records the calling goroutine's
  // stack under the identity `value`, skipping `skip` more innermost frames (0
  // starts at the function that called add).
  // Panics: `pprof: Profile.Add of duplicate value` if value is there already;
  // `pprof: Add called on built-in Profile <name>` on a built-in profile.
  void add(const void* value, int skip = 0);

  // Removes value's entry; nothing for an absent value or a built-in profile.
  void remove(const void* value);

  // Writes the profile to out (Go's WriteTo). debug 0: gzip-compressed
  // profile.proto, one sample per distinct stack with its count. debug 1: the
  // text form, `<name> profile: total <N>`, then per distinct stack, most
  // frequent first, `<count> @ <pcs>` and one `#` line per frame (pc, function
  // and offset, file:line). debug 2 or more, for `goroutine`: every goroutine's
  // traceback, as runtime::stack(true) writes it; for the others, as 1.
  // Returns an error when out fails.
  Error write_to(std::ostream& out, int debug) const;

 private:
  friend struct detail::ProfileFactory;
  struct Impl;
  explicit Profile(Impl* impl) noexcept : impl_(impl) {}
  Impl* impl_;
};

// The profile with this name, or nullptr (there is no `heap` or `allocs`: C++
// has no collector). The same pointer every time.
Profile* lookup(std::string_view name);

// A new custom profile (Go's NewProfile).
// Panics: `pprof: NewProfile with empty name`; `pprof: NewProfile name already in
// use: <name>` (built-in names included).
Profile* new_profile(std::string name);

// Every profile, sorted by name.
std::vector<Profile*> profiles();

// Runs f with `labels` added to the calling goroutine's labels (Go's pprof.Do; a
// key already there takes the new value), and restores them when f returns or
// throws. Goroutines started inside f, and theirs, keep the labels for life.
// Labels appear in the goroutine profile (debug 1: `# labels: {"k":"v"}`,
// grouping goroutines by stack and labels; debug 0: sample labels), on CPU
// samples, and in traceback headers as Go 1.27 prints them:
// `goroutine 7 [chan receive, labels:{"worker": "3"}]:`. Plain threads have labels
// too, which goroutines they start inherit.
template <class F>
void do_with(const LabelSet& labels, F&& f) {
  detail::LabelScope scope(labels);
  std::forward<F>(f)();
}

// The calling goroutine's value for key (Go's pprof.Label), or nullopt.
std::optional<std::string> label(std::string_view key);

// The CPU profile (Go's StartCPUProfile): every thread that runs goroutines is
// interrupted by SIGPROF `hz` times per second of the CPU time it uses, and each
// interruption records the stack it hit and the labels of the goroutine running
// there. stop_cpu_profile() writes the gzipped profile.proto (sample types
// samples/count and cpu/nanoseconds) to `out` and returns once it is written.
// Returns an error, and starts nothing, when a profile is already running or hz
// is not positive; `out` must outlive the profile.
Error start_cpu_profile(std::ostream& out, int hz = 100);
// Nothing when no profile runs.
void stop_cpu_profile();

// Serves net/http/pprof's pages over HTTP/1.x on `ln`, one goroutine per
// connection: `/debug/pprof/` (an index of profiles()), `/debug/pprof/<name>`
// with `?debug=N`, and `/debug/pprof/profile?seconds=N` (a CPU profile of N
// seconds, 30 by default). Returns when `ln` is closed, with accept's error.
Error serve(net::Listener ln);
// Listens on TCP `address` (host:port), returning at once if that fails, then
// serves it as serve(ln) does.
Error serve(std::string_view address);

}  // namespace gocxx::pprof
