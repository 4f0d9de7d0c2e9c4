// The probe behind docs/decisions.md D34: what a stack walk costs by frame
// pointers and by DWARF call-frame information (glibc's backtrace(), which runs
// libgcc's unwinder, the fastest DWARF unwinder on the system), on a stack 16 calls
// deep, and how many frames each finds. Built with frame pointers (the gocxx
// target's interface adds them).
//   bench/probe_unwind_walk [iterations]
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

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) g_iterations = std::atoi(argv[1]);
  void* warm[4];
  backtrace(warm, 4);  // loads libgcc_s
  descend(16);
  std::printf("frame pointers: %7.1f ns per walk, %d frames\n", g_fp_ns, g_fp_frames);
  std::printf("DWARF (backtrace): %7.1f ns per walk, %d frames\n", g_dwarf_ns, g_dwarf_frames);
  std::printf("ratio DWARF/FP: %.1f\n", g_dwarf_ns / g_fp_ns);
}
