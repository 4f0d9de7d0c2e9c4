// E73 context-with-value: request-scoped values (userID,
// authToken) attached to a Context and read further down. Prints
// `handling response for jane (abc123)`, without a newline.
#include <any>
#include <cstdio>
#include <string>

#include "gocxx/gocxx.hpp"

namespace context = gocxx::context;

namespace {

// fmt's %v of ctx.Value(key): here a string, or <nil>.
std::string str(const std::any& v) {
  if (const auto* s = std::any_cast<std::string>(&v)) return *s;
  return "<nil>";
}

void HandleResponse(const context::Context& ctx) {
  std::printf("handling response for %s (%s)", str(ctx.value("userID")).c_str(),
              str(ctx.value("authToken")).c_str());
}

void ProcessRequest(const std::string& userID, const std::string& authToken) {
  context::Context ctx = context::with_value(context::background(), "userID", userID);
  ctx = context::with_value(ctx, "authToken", authToken);
  HandleResponse(ctx);  // ctx carries both values
}

}  // namespace

int main() {
  return gocxx::run([] { ProcessRequest("jane", "abc123"); });
}
