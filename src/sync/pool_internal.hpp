// For tests: what the periodic pool rotation does, on demand.
#pragma once

namespace gocxx::detail {

// Rotates every pool once (victims dropped, current objects become victims), as the
// timer does every two seconds while pools hold objects.
void rotate_pools_for_test();

// Holds the periodic rotation back (while paused it only re-arms itself), so that a
// test's own rotations are the only ones.
void pause_rotation_for_test(bool paused);

}  // namespace gocxx::detail
