// pprof::serve's timeouts, internal so that tests can make them short without
// the public API growing knobs Go's net/http/pprof does not have.
#pragma once

#include <chrono>

namespace gocxx::pprof::serve_internal {

struct Timeouts {
  // From a request's first byte to the end of its headers (and of a body to
  // discard): a client that trickles bytes cannot hold its goroutine longer.
  std::chrono::nanoseconds header = std::chrono::seconds(10);
  // How long a kept-alive connection may wait for its next request.
  std::chrono::nanoseconds idle = std::chrono::seconds(60);
  // Writing one response.
  std::chrono::nanoseconds write = std::chrono::seconds(30);
  // Before a close, unread input is drained for at most this long, so that the
  // kernel does not answer it with a reset that destroys the response in flight.
  std::chrono::nanoseconds linger = std::chrono::milliseconds(500);
};

// What connections use from their next deadline on; safe from any thread.
Timeouts timeouts();
void set_timeouts(const Timeouts& t);

}  // namespace gocxx::pprof::serve_internal
