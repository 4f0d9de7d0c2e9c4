// E64 generator-tostring: a stage that converts its values (the tutorial's
// toString, a type assertion on interface{} values; here a map to std::string),
// composed with take and repeat. Prints
//   message: Iam.Iam.I...
#include <cstdio>
#include <string>

#include "gocxx/gocxx.hpp"

using namespace gocxx;

int main() {
  return run([] {
    Chan<> done = make_chan<>();
    auto to_string = [&done](RecvChan<const char*> values) {
      return patterns::map(done, values, [](const char* v) { return std::string(v); });
    };
    std::string message;
    for (const std::string& token :
         to_string(patterns::take(done, patterns::repeat(done, "I", "am."), 5)))
      message += token;
    std::printf("message: %s...", message.c_str());
    done.close();
  });
}
