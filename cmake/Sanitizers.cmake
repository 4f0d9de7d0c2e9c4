# GOCXX_SANITIZER=address|thread instruments everything built in this tree. The runtime
# tells the sanitizers about every goroutine switch (see src/runtime/sanitizers.hpp).
if(GOCXX_SANITIZER STREQUAL "address")
  add_compile_options(-fsanitize=address -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address)
elseif(GOCXX_SANITIZER STREQUAL "thread")
  add_compile_options(-fsanitize=thread)
  add_link_options(-fsanitize=thread)
elseif(NOT GOCXX_SANITIZER STREQUAL "")
  message(FATAL_ERROR "GOCXX_SANITIZER must be address, thread or empty")
endif()
