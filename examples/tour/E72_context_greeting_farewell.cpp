// E72 context-greeting-farewell: greeting derives a 1s timeout
// from the shared context; locale waits 1 minute unless its context is done. So
// greeting fails with DeadlineExceeded after 1s, and its goroutine's cancel() of the
// shared context cancels farewell, which was waiting in locale too:
//   cannot print greeting: context deadline exceeded
//   cannot print farewell: context canceled
// Usage: tour_E72 [--scale N] [--elapsed]
//   --scale N   divides every duration by N
//   --elapsed   then prints the time main took, as `elapsed <Go duration>`
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include "gocxx/gocxx.hpp"
#include "tour_flags.hpp"

using namespace std::chrono_literals;
namespace context = gocxx::context;
using gocxx::Error;

namespace {

long scale = 1;  // --scale

// Go's defer for a cancel function.
struct DeferCancel {
  context::CancelFunc cancel;
  ~DeferCancel() { cancel(); }
};

std::pair<std::string, Error> locale(const context::Context& ctx) {
  switch (gocxx::select(gocxx::recv(ctx.done()),
                        gocxx::recv(gocxx::time::after(gocxx::time::Duration(1min) / scale)))) {
    case 0:
      return {"", ctx.err()};
    case 1:
      break;
  }
  return {"EN/US", Error()};
}

std::pair<std::string, Error> greeting(const context::Context& parent) {
  auto [ctx, cancel] = context::with_timeout(parent, gocxx::time::Duration(1s) / scale);
  DeferCancel deferred{cancel};
  auto [loc, err] = locale(ctx);
  if (err) return {"", err};
  if (loc == "EN/US") return {"hello", Error()};
  return {"", gocxx::errors::make("unsupported locale")};
}

std::pair<std::string, Error> farewell(const context::Context& ctx) {
  auto [loc, err] = locale(ctx);
  if (err) return {"", err};
  if (loc == "EN/US") return {"goodbye", Error()};
  return {"", gocxx::errors::make("unsupported locale")};
}

}  // namespace

int main(int argc, char** argv) {
  bool elapsed = false;
  if (!tour::parse_flags(argc, argv, {{"--scale", &scale}, {"--elapsed", nullptr, &elapsed}},
                         "[--scale N] [--elapsed]"))
    return 2;
  return gocxx::run([elapsed] {
    auto start = gocxx::time::now();
    {
      gocxx::sync::WaitGroup wg;
      auto [ctx, cancel] = context::with_cancel(context::background());
      DeferCancel deferred{cancel};

      wg.add(1);
      gocxx::go([&wg, ctx = ctx, cancel = cancel] {
        auto [s, err] = greeting(ctx);
        if (err) {
          std::printf("cannot print greeting: %s\n", err.message().c_str());
          cancel();  // cancels farewell's goroutine
        } else {
          std::printf("%s world!\n", s.c_str());
        }
        wg.done();
      });

      wg.add(1);
      gocxx::go([&wg, ctx = ctx] {
        auto [s, err] = farewell(ctx);
        if (err) {
          std::printf("cannot print farewell: %s\n", err.message().c_str());
        } else {
          std::printf("%s world!\n", s.c_str());
        }
        wg.done();
      });

      wg.wait();
    }
    if (elapsed) {
      std::printf("elapsed %s\n", gocxx::time::to_string(gocxx::time::since(start)).c_str());
    }
  });
}
