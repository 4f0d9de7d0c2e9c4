// gocxx: Go's concurrency system for C++20. The umbrella header.
#pragma once

#include "chan.hpp"     // IWYU pragma: export
#include "context.hpp"  // IWYU pragma: export
#include "errors.hpp"   // IWYU pragma: export
#include "runtime.hpp"  // IWYU pragma: export
#include "select.hpp"   // IWYU pragma: export
#include "sync.hpp"     // IWYU pragma: export
#include "time.hpp"     // IWYU pragma: export
