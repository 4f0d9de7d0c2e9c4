// The probe behind docs/decisions.md D34: what a stack walk costs by frame
// pointers and by DWARF call-frame information (glibc's backtrace(), which runs
// libgcc's unwinder, the fastest DWARF unwinder on the system), on a stack 16 calls
// deep, and how many frames each finds (this file alone is built with frame
// pointers); then what gocxx's own DWARF walk of parked goroutines costs inside a
// full dump, runtime::stack(true) over 1,000 goroutines parked 16 calls deep.
//   bench/probe_unwind_walk [iterations]
#include <gocxx/chan.hpp>
#include <gocxx/runtime.hpp>
#include <gocxx/sync.hpp>

#include <execinfo.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {

int g_iterations = 200000;
int g_fp_frames = 0;
int g_dwarf_frames = 0;
double g_fp_ns = 0;
double g_dwarf_ns = 0;

__attribute__((noinline)) int walk_frame_pointers(void** pcs, int max) {
  auto fp = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  int n = 0;
  while (n < max && fp != 0) {
    auto* record = reinterpret_cast<const std::uintptr_t*>(fp);
    if (record[1] == 0) break;
    pcs[n++] = reinterpret_cast<void*>(record[1]);
    if (record[0] <= fp) break;
    fp = record[0];
  }
  return n;
}

__attribute__((noinline)) void measure() {
  void* pcs[64];
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < g_iterations; ++i) g_fp_frames = walk_frame_pointers(pcs, 64);
  auto t1 = std::chrono::steady_clock::now();
  for (int i = 0; i < g_iterations; ++i) g_dwarf_frames = backtrace(pcs, 64);
  auto t2 = std::chrono::steady_clock::now();
  g_fp_ns = std::chrono::duration<double, std::nano>(t1 - t0).count() / g_iterations;
  g_dwarf_ns = std::chrono::duration<double, std::nano>(t2 - t1).count() / g_iterations;
}

__attribute__((noinline)) int descend(int depth) {
  if (depth == 0) {
    measure();
    return 0;
  }
  int r = descend(depth - 1);
  asm volatile("" : "+r"(r));  // not a tail call
  return r + 1;
}

__attribute__((noinline)) int park_deep(int depth, gocxx::Chan<int> ch) {
  if (depth == 0) return ch.recv().value_or(0);
  int r = park_deep(depth - 1, ch);
  asm volatile("" : "+r"(r));
  return r + 1;
}

// Microseconds per goroutine of runtime::stack(true), the first dump (symbol
// lookups) and the second (cached symbols: the unwinding dominates).
void measure_dump() {
  constexpr int kParked = 1000;
  gocxx::run([] {
    auto ch = gocxx::make_chan<int>();
    gocxx::sync::WaitGroup wg;
    for (int i = 0; i < kParked; ++i) {
      wg.add(1);
      gocxx::go([ch, &wg] {
        park_deep(16, ch);
        wg.done();
      });
    }
    while (gocxx::runtime::num_goroutine() < kParked + 1) gocxx::runtime::gosched();
    double us[2];
    std::size_t bytes = 0;
    for (double& u : us) {
      auto t0 = std::chrono::steady_clock::now();
      bytes = gocxx::runtime::stack(true).size();
      auto t1 = std::chrono::steady_clock::now();
      u = std::chrono::duration<double, std::micro>(t1 - t0).count() / kParked;
    }
    ch.close();
    wg.wait();
    std::printf(
        "runtime::stack(true), %d parked goroutines: first %.1f us, then %.1f us "
        "per goroutine (%zu bytes)\n",
        kParked, us[0], us[1], bytes);
  });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) g_iterations = std::atoi(argv[1]);
  void* warm[4];
  backtrace(warm, 4);  // loads libgcc_s
  descend(16);
  std::printf("frame pointers: %7.1f ns per walk, %d frames\n", g_fp_ns, g_fp_frames);
  std::printf("DWARF (backtrace): %7.1f ns per walk, %d frames\n", g_dwarf_ns, g_dwarf_frames);
  std::printf("ratio DWARF/FP: %.1f\n", g_dwarf_ns / g_fp_ns);
  measure_dump();
}
