# Warnings for gocxx's own targets (never for consumers of the installed package);
# errors when GOCXX_WERROR is ON, as in the project's presets and CI. Clang also
# checks the runtime's lock annotations (src/runtime/lock.hpp) with -Wthread-safety.
add_library(gocxx_warnings INTERFACE)
target_compile_options(gocxx_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic>
  $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<CXX_COMPILER_ID:Clang>>:-Wthread-safety>
  $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<BOOL:${GOCXX_WERROR}>>:-Werror>)
