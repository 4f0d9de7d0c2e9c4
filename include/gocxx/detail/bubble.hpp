// The seams of fake-time bubbles (gocxx::testing::bubble, Go's testing/synctest):
// what time::now() and the testing library need from the runtime.
#pragma once

#include <atomic>
#include <chrono>

namespace gocxx::detail {

// How many bubbles are running: time::now() asks for its caller's bubble only
// while some are.
extern std::atomic<int> g_bubbles_alive;

// time::now() for a caller that may belong to a bubble: the bubble's fake clock
// there, the steady clock elsewhere.
std::chrono::steady_clock::time_point bubble_aware_now() noexcept;

// gocxx::testing's bubble(), wait() and in_bubble() (see <gocxx/testing.hpp>).
void bubble_run(void (*fn)(void*), void* arg);
void bubble_wait();
bool in_bubble() noexcept;

}  // namespace gocxx::detail
