// For tests: how many context nodes are alive, and how many children are
// registered with ctx's nearest cancellable node (a parent must not accumulate
// dead children).
#pragma once

#include <cstddef>
#include <cstdint>

#include "gocxx/context.hpp"

namespace gocxx::detail {

std::int64_t live_nodes() noexcept;
std::size_t registered_children(const context::Context& ctx);

}  // namespace gocxx::detail
