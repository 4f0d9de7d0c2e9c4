// E70 queue-decouples-stages: a buffered channel is a queue between two stages.
// accept_connection hands over N requests as fast as it can; process_request takes
// a while for each. Unbuffered, each hand-over waits for the slow stage, so the
// k-th request is accepted only after the k-1 before it were processed; with a
// queue of B, the first B+1 are accepted at once and the acceptor is free early.
// The total time is the same: a queue decouples the stages, it does not make the
// work faster (if requests come faster than they are processed, nothing but rate
// limiting, E77-E80, keeps the queue from growing). Prints, for each queue size,
// when the last request was accepted and when the last was processed, in units of
// one request's processing time:
//   queue 0: all accepted after 9 units, all processed after 10 units
//   queue 10: all accepted after 0 units, all processed after 10 units
// --unit-ms N sets the processing time (default 10 ms).
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour_flags.hpp"

using namespace gocxx;

namespace {

constexpr int kRequests = 10;

// Hands the requests over as fast as it can; returns when the last one was taken.
RecvChan<int> accept_connection(const patterns::Done& done, int queue, Chan<time::Time> accepted) {
  Chan<int> requests = make_chan<int>(queue);
  go([done, requests, accepted] {
    for (int r = 0; r < kRequests; r++) {
      if (!patterns::send_or_done(done, requests, r)) break;
    }
    accepted.send(time::now());
    requests.close();
  });
  return requests;
}

RecvChan<int> process_request(const patterns::Done& done, RecvChan<int> requests,
                              time::Duration unit) {
  return patterns::map(done, requests, [unit](int r) {
    time::sleep(unit);  // the slow stage
    return r;
  });
}

}  // namespace

int main(int argc, char** argv) {
  long unit_ms = 10;
  if (!tour::parse_flags(argc, argv, {{"--unit-ms", &unit_ms}}, "[--unit-ms N]")) return 2;
  time::Duration unit = std::chrono::milliseconds(unit_ms);
  return run([unit] {
    for (int queue : {0, kRequests}) {
      Chan<> done = make_chan<>();
      Chan<time::Time> accepted = make_chan<time::Time>(1);
      auto start = time::now();
      RecvChan<int> p = process_request(done, accept_connection(done, queue, accepted), unit);
      for ([[maybe_unused]] int r : p) {
      }
      auto processed = time::since(start);
      auto all_accepted = *accepted.recv() - start;
      std::printf("queue %d: all accepted after %lld units, all processed after %lld units\n",
                  queue, static_cast<long long>((all_accepted + unit / 2) / unit),
                  static_cast<long long>((processed + unit / 2) / unit));
      done.close();
    }
  });
}
