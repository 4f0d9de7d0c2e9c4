// sync::Map micro-benchmarks, the counterparts of two of Go's sync/map_bench_test.go
// benchmarks (run Go's with: go test -run '^$' -bench
// 'BenchmarkLoadMostlyHits|BenchmarkLoadOrStoreCollision' -cpu 1,2 sync):
//   build/default/bench/micro_sync
// With N threads, Go's ns/op is wall time over all operations of all goroutines:
// compare it with 1e9 / items_per_second here.
#include <benchmark/benchmark.h>

#include "gocxx/gocxx.hpp"

using namespace gocxx;

namespace {

// BenchmarkLoadMostlyHits: 1023 keys present, one absent, loads spread over them.
void BM_MapLoadMostlyHits(benchmark::State& state) {
  constexpr int kHits = 1023;
  constexpr int kMisses = 1;
  static sync::Map<int, int> m;
  if (state.thread_index() == 0) {
    for (int i = 0; i < kHits; ++i) m.load_or_store(i, i);
  }
  int i = static_cast<int>(state.thread_index()) * 4096;
  for (auto _ : state) {
    benchmark::DoNotOptimize(m.load(i % (kHits + kMisses)));
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MapLoadMostlyHits)->Threads(1)->Threads(2)->UseRealTime();

// BenchmarkLoadOrStoreCollision: every thread load_or_stores one key (the hot key).
void BM_MapLoadOrStoreCollision(benchmark::State& state) {
  static sync::Map<int, int> m;
  for (auto _ : state) benchmark::DoNotOptimize(m.load_or_store(0, 0));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MapLoadOrStoreCollision)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
