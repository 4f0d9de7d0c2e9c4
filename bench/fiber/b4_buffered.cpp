// B4 buffered channel (Boost.Fiber), P=2: 1 producer / 1 consumer and
// 4 producers / 4 consumers on one buffered_channel<int> of capacity 128,
// 10,000,000 ints in all. Figure: ns per item = elapsed / 10,000,000.
//
// Boost's buffered_channel needs a power-of-two capacity and keeps one slot
// free, so capacity 128 holds 127 values (Go's make(chan int, 128) holds 128).
#include "common.hpp"

#include <atomic>
#include <cstdint>

namespace {

namespace fibers = bench::fibers;
using Channel = fibers::buffered_channel<int>;

constexpr int kItems = 10'000'000;
constexpr std::size_t kCapacity = 128;
constexpr std::int64_t kWantSum = std::int64_t{kItems} * (kItems - 1) / 2;

void check(const char* what, std::int64_t sum) {
  if (sum != kWantSum) {
    std::fprintf(stderr, "%s: sum %lld, want %lld\n", what, static_cast<long long>(sum),
                 static_cast<long long>(kWantSum));
    std::exit(1);
  }
}

// Receive until the channel is closed and drained (Go's `for v := range ch`).
std::int64_t drain(Channel& ch) {
  std::int64_t sum = 0;
  int v;
  while (ch.pop(v) == fibers::channel_op_status::success) sum += v;
  return sum;
}

double one_to_one() {
  Channel ch(kCapacity);
  std::int64_t sum = 0;
  const auto start = bench::Clock::now();
  fibers::fiber producer([&ch] {
    for (int i = 0; i < kItems; ++i) ch.push(i);
    ch.close();
  });
  fibers::fiber consumer([&] { sum = drain(ch); });
  producer.join();
  consumer.join();
  const double ns = bench::elapsed_ns(start);
  check("B4 1p1c", sum);
  return ns / kItems;
}

double four_to_four() {
  constexpr int kProducers = 4, kConsumers = 4, kPer = kItems / kProducers;
  Channel ch(kCapacity);
  std::atomic<std::int64_t> total{0};
  bench::WaitGroup producers, consumers;
  const auto start = bench::Clock::now();
  for (int p = 0; p < kProducers; ++p) {
    producers.add(1);
    fibers::fiber([&, first = p * kPer] {  // producer p sends first .. first+kPer-1
      for (int i = first; i < first + kPer; ++i) ch.push(i);
      producers.done();
    })
        .detach();
  }
  for (int c = 0; c < kConsumers; ++c) {
    consumers.add(1);
    fibers::fiber([&] {
      total.fetch_add(drain(ch), std::memory_order_relaxed);
      consumers.done();
    }).detach();
  }
  producers.wait();
  ch.close();
  consumers.wait();
  const double ns = bench::elapsed_ns(start);
  check("B4 4p4c", total.load());
  return ns / kItems;
}

}  // namespace

int main() {
  bench::StealingPool pool(2);
  bench::result("B4_buffered_1p1c_P2", one_to_one(), "ns");
  bench::result("B4_buffered_4p4c_P2", four_to_four(), "ns");
}
