// Runs a program and captures what it prints: for examples and crash scenarios,
// whose behaviour is their output and exit status.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace gocxx::testing {

struct ProcessResult {
  int exit_code = -1;  // -1 if it did not exit normally
  int signal = 0;      // the terminating signal, if any
  bool timed_out = false;
  std::string out;
  std::string err;
  double seconds = 0;
};

// Runs argv[0] with the given arguments and extra environment ("NAME=value"),
// killing it after timeout_seconds.
ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::vector<std::string>& extra_env = {},
                          double timeout_seconds = 60);

}  // namespace gocxx::testing
