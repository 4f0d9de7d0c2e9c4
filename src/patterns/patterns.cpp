// The patterns package's non-template parts (include/gocxx/patterns.hpp): Done,
// pulse, the or-channel and the steward.
#include "gocxx/patterns.hpp"

#include <string>
#include <utility>

namespace gocxx::patterns {

Done::Done(context::Context ctx) : chan_(ctx.done()), ctx_(std::move(ctx)) {}

bool Done::stopped() const {
  return select(recv(chan_), default_case()) == 0;  // a nil channel is never ready
}

bool pulse(const SendChan<>& heartbeat) {
  return heartbeat.try_send(Unit{});
}

namespace detail {
void check_interval(time::Duration interval) {
  if (interval <= time::Duration::zero()) {
    throw Panic("patterns: heartbeat interval must be positive");
  }
}
}  // namespace detail

RecvChan<> or_channel(std::vector<RecvChan<>> chans) {
  if (chans.empty()) return RecvChan<>();
  if (chans.size() == 1) return std::move(chans.front());
  Chan<> out = make_chan<>();
  // One goroutine waits on all of them (Go's recursive or starts one per pair of
  // inputs and leaves them waiting on the others).
  go([out, chans = std::move(chans)] {
    std::vector<SelectCase> cases;
    cases.reserve(chans.size());
    for (const RecvChan<>& c : chans) cases.emplace_back(recv(c));
    select(cases);
    out.close();
  });
  return out;
}

Steward::Steward(time::Duration timeout, StartFn start, std::function<void()> on_restart)
    : timeout_(timeout), start_(std::move(start)), on_restart_(std::move(on_restart)) {
  if (!start_) throw Panic("patterns: Steward needs a start function");
}

RecvChan<> Steward::operator()(Done done, time::Duration pulse_interval) const {
  Chan<> beats = make_chan<>(1);
  go([done = std::move(done), beats, pulse_interval, timeout = timeout_, start = start_,
      on_restart = on_restart_] {
    Chan<> ward_done = make_chan<>();
    RecvChan<> ward_beats = start(Done(ward_done), timeout / 2);
    // Closes the current ward's done and our heartbeat, however we leave.
    struct Closer {
      const Chan<>& ward_done;
      const Chan<>& beats;
      ~Closer() {
        ward_done.close();
        beats.close();
      }
    } closer{ward_done, beats};
    time::Ticker ticker;  // none when pulse_interval <= 0: its nil channel never fires
    if (pulse_interval > time::Duration::zero()) ticker = time::new_ticker(pulse_interval);
    struct StopTicker {
      time::Ticker& t;
      ~StopTicker() { t.stop(); }
    } stop{ticker};
    for (;;) {
      RecvChan<time::Time> window = time::after(timeout);  // restarted by each ward beat
      for (bool watching = true; watching;) {
        std::optional<Unit> beat;
        switch (select(recv(ticker.c), recv(ward_beats, beat), recv(window), recv(done.chan()))) {
          case 0:
            pulse(beats);
            break;
          case 1:
            if (beat) {
              watching = false;  // a sign of life: a new window
            } else {
              ward_beats = RecvChan<>();  // closed: it will never beat again
            }
            break;
          case 2:
            if (on_restart) on_restart();
            ward_done.close();
            ward_done = make_chan<>();
            ward_beats = start(Done(ward_done), timeout / 2);
            watching = false;
            break;
          default:
            return;
        }
      }
    }
  });
  return beats;
}

}  // namespace gocxx::patterns
