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
#include <string>
#include <string_view>
#include <vector>

#include "errors.hpp"

namespace gocxx::pprof {

namespace detail {
struct ProfileFactory;
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

}  // namespace gocxx::pprof
