// Channel and select micro-benchmarks (Go's runtime/chan_test.go counterparts):
//   build/default/bench/micro_chan
#include <benchmark/benchmark.h>

#include "gocxx/gocxx.hpp"

using namespace gocxx;

namespace {

// BenchmarkChanUncontended: 100 sends then 100 receives on a private channel.
void BM_ChanUncontended(benchmark::State& state) {
  auto c = make_chan<int>(100);
  for (auto _ : state) {
    for (int i = 0; i < 100; ++i) c.send(i);
    for (int i = 0; i < 100; ++i) benchmark::DoNotOptimize(c.recv());
  }
  state.SetItemsProcessed(state.iterations() * 200);
}
BENCHMARK(BM_ChanUncontended);

// BenchmarkChanNonblocking: a non-blocking receive on an empty channel.
void BM_ChanNonblocking(benchmark::State& state) {
  auto c = make_chan<int>();
  for (auto _ : state) benchmark::DoNotOptimize(c.try_recv().has_value());
}
BENCHMARK(BM_ChanNonblocking);

// BenchmarkSelectNonblock: one-case selects with default.
void BM_SelectNonblock(benchmark::State& state) {
  auto c = make_chan<int>();
  auto d = make_chan<int>(1);
  for (auto _ : state) {
    benchmark::DoNotOptimize(select(recv(c), default_case()));
    benchmark::DoNotOptimize(select(send(c, 1), default_case()));
    benchmark::DoNotOptimize(select(recv(d), default_case()));
    benchmark::DoNotOptimize(select(send(d, 1), default_case()));
  }
}
BENCHMARK(BM_SelectNonblock);

// BenchmarkChanCreation: make a cap-1 channel, send, receive.
void BM_ChanCreation(benchmark::State& state) {
  for (auto _ : state) {
    auto c = make_chan<int>(1);
    c.send(1);
    benchmark::DoNotOptimize(c.recv());
  }
}
BENCHMARK(BM_ChanCreation);

}  // namespace

BENCHMARK_MAIN();
