// Internal: the type-erased select that gocxx::select builds on (src/runtime/select.cpp,
// after Go's runtime/select.go).
#pragma once

#include <cstdint>

#include "chan_core.hpp"

namespace gocxx::detail {

enum class CaseKind : std::uint8_t { recv, send, fallback };

// One case as the core sees it. chan == nullptr is a nil channel (never ready).
// elem: for a send the value to move from, for a receive raw storage to construct
// the received value in.
struct CaseRef {
  ChanCore* chan;
  void* elem;
  CaseKind kind;
};

struct SelectResult {
  int index;     // the case that ran
  bool recv_ok;  // for a receive: a value was constructed in elem (false: closed)
};

// Runs Go's selectgo over cases[0..n). Blocks unless a fallback (default) case is
// present; n == 0 blocks forever. Throws Panic("send on closed channel") when a send
// case on a closed channel is chosen.
SelectResult select_core(CaseRef* cases, int n);

}  // namespace gocxx::detail
