// B9: 10,000 with_cancel children of one with_cancel root, a goroutine blocked on
// each child's done(); cancel the root. P=2.
// Figure: us from calling the root's cancel until every goroutine has observed
// its child's done() closing (the WaitGroup wait returns).
#include <utility>
#include <vector>

#include "bench_util.hpp"
#include "gocxx/gocxx.hpp"

using namespace gocxx;

int main() {
  constexpr int kN = 10'000;
  constexpr int kSettleYields = 10;
  runtime::gomaxprocs(2);
  double elapsed = 0;
  run([&] {
    auto [root, cancel_root] = context::with_cancel(context::background());
    std::vector<context::CancelFunc> cancels;
    cancels.reserve(kN);
    sync::WaitGroup started;
    sync::WaitGroup finished;
    started.add(kN);
    finished.add(kN);
    for (int i = 0; i < kN; ++i) {
      auto [ctx, cancel] = context::with_cancel(root);
      cancels.push_back(std::move(cancel));
      go([&started, &finished, ctx = std::move(ctx)] {
        auto done = ctx.done();
        started.done();
        done.recv();
        finished.done();
      });
    }
    // Every goroutine has reached its receive; yielding lets the last ones park.
    started.wait();
    for (int i = 0; i < kSettleYields; ++i) runtime::gosched();
    const auto t0 = bench::Clock::now();
    cancel_root();
    finished.wait();
    elapsed = bench::seconds_since(t0);
    for (const auto& c : cancels) c();
  });
  bench::result("B9_context_cancel", elapsed * 1e6, "us");
}
