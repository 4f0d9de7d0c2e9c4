# GOCXX_SANITIZER=address|thread instruments everything built in this tree. The runtime
# tells the sanitizers about every goroutine switch (see src/runtime/sanitizers.hpp).
if(GOCXX_SANITIZER STREQUAL "address")
  add_compile_options(-fsanitize=address -fno-omit-frame-pointer)
  # ASan's instrumentation makes GCC 12 report maybe-uninitialized inside libstdc++
  # (std::regex, std::function) where there is nothing uninitialized.
  add_compile_options($<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)
  add_link_options(-fsanitize=address)
elseif(GOCXX_SANITIZER STREQUAL "thread")
  add_compile_options(-fsanitize=thread)
  add_link_options(-fsanitize=thread)
elseif(NOT GOCXX_SANITIZER STREQUAL "")
  message(FATAL_ERROR "GOCXX_SANITIZER must be address, thread or empty")
endif()
