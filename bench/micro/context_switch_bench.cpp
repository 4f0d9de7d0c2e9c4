// The context switch alone: gocxx's gocxx_ctx_switch against Boost.Context's
// jump_fcontext, each bouncing between two contexts. The figure recorded in
// docs/decisions.md ("own switch vs Boost.Context") comes from here:
//   build/default/bench/micro_context_switch --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>

#include "runtime/context_switch.hpp"

#if defined(GOCXX_HAVE_BOOST_CONTEXT)
#include <boost/context/detail/fcontext.hpp>
#endif

namespace {

constexpr std::size_t kStack = 64 * 1024;

void* g_main_sp = nullptr;
void* g_coro_sp = nullptr;

[[noreturn]] void bounce(void* /*arg*/) {
  for (;;) gocxx_ctx_switch(&g_coro_sp, g_main_sp, nullptr);
}

void BM_GocxxSwitch(benchmark::State& state) {
  auto stack = std::make_unique<char[]>(kStack);
  g_coro_sp = gocxx_ctx_make(stack.get() + kStack, bounce);
  for (auto _ : state) {
    gocxx_ctx_switch(&g_main_sp, g_coro_sp, nullptr);  // there and back: 2 switches
  }
  state.SetItemsProcessed(state.iterations() * 2);
  state.counters["ns_per_switch"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * 2,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_GocxxSwitch);

#if defined(GOCXX_HAVE_BOOST_CONTEXT)
namespace bctx = boost::context::detail;

void fbounce(bctx::transfer_t t) {
  for (;;) t = bctx::jump_fcontext(t.fctx, nullptr);
}

void BM_BoostJumpFcontext(benchmark::State& state) {
  auto stack = std::make_unique<char[]>(kStack);
  bctx::fcontext_t f = bctx::make_fcontext(stack.get() + kStack, kStack, fbounce);
  bctx::transfer_t t{f, nullptr};
  for (auto _ : state) {
    t = bctx::jump_fcontext(t.fctx, nullptr);  // there and back: 2 switches
  }
  state.SetItemsProcessed(state.iterations() * 2);
  state.counters["ns_per_switch"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * 2,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_BoostJumpFcontext);
#endif

}  // namespace

BENCHMARK_MAIN();
