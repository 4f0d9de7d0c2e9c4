// For tests: what the periodic pool rotation does, on demand.
#pragma once

namespace gocxx::sync::detail {

// Rotates every pool once (victims dropped, current objects become victims), as the
// timer does every two seconds while pools hold objects.
void rotate_pools_for_test();

}  // namespace gocxx::sync::detail
