# GOCXX_SANITIZER instruments everything built in this tree: address, thread,
# undefined, or address,undefined. The runtime tells ASan and TSan about every
# goroutine switch (see src/runtime/sanitizers.hpp). UBSan reports are fatal, so a
# test that meets undefined behaviour fails.
string(REPLACE "," ";" _gocxx_sanitizers "${GOCXX_SANITIZER}")
foreach(_san IN LISTS _gocxx_sanitizers)
  if(NOT _san MATCHES "^(address|thread|undefined)$")
    message(FATAL_ERROR "GOCXX_SANITIZER takes address, thread, undefined or address,undefined")
  endif()
endforeach()
if("address" IN_LIST _gocxx_sanitizers AND "thread" IN_LIST _gocxx_sanitizers)
  message(FATAL_ERROR "GOCXX_SANITIZER: address and thread cannot be combined")
endif()
if("address" IN_LIST _gocxx_sanitizers)
  add_compile_options(-fsanitize=address -fno-omit-frame-pointer)
  # ASan's instrumentation makes GCC 12 report maybe-uninitialized inside libstdc++
  # (std::regex, std::function) where there is nothing uninitialized.
  add_compile_options($<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)
  add_link_options(-fsanitize=address)
endif()
if("thread" IN_LIST _gocxx_sanitizers)
  add_compile_options(-fsanitize=thread)
  add_link_options(-fsanitize=thread)
endif()
if("undefined" IN_LIST _gocxx_sanitizers)
  add_compile_options(-fsanitize=undefined -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=undefined)
endif()
