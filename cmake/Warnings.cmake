# Warnings are errors for gocxx's own targets (not for consumers of the installed package).
add_library(gocxx_warnings INTERFACE)
target_compile_options(gocxx_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Werror>)
