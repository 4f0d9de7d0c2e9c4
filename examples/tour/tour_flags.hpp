// Command-line flags of the tour programs: `--name N` (N a positive integer) and
// `--name` switches, in any order.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>

namespace tour {

struct Flag {
  const char* name;
  long* number = nullptr;   // `--name N`: N goes here
  bool* present = nullptr;  // a switch: set when given
};

// Parses argv into the flags; on anything else prints `usage: <program> <usage>`
// and returns false (the program then exits with status 2).
inline bool parse_flags(int argc, char** argv, std::initializer_list<Flag> flags,
                        const char* usage) {
  for (int i = 1; i < argc; i++) {
    const Flag* match = nullptr;
    for (const Flag& f : flags) {
      if (std::strcmp(argv[i], f.name) == 0) match = &f;
    }
    if (match != nullptr && match->present != nullptr) {
      *match->present = true;
    } else if (match != nullptr && i + 1 < argc && std::atol(argv[i + 1]) > 0) {
      *match->number = std::atol(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s %s\n", argv[0], usage);
      return false;
    }
  }
  return true;
}

}  // namespace tour
