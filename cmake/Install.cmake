# find_package(gocxx) (gocxxConfig.cmake, the exported gocxx::gocxx target),
# pkg-config (gocxx.pc) and the headers, <gocxx/version.hpp> included.
include(CMakePackageConfigHelpers)

install(TARGETS gocxx EXPORT gocxxTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# gocxx::testing, where it was built: find_package(gocxx) then looks for GoogleTest.
set(GOCXX_INSTALLS_TESTING OFF)
if(TARGET gocxx_testing)
  install(TARGETS gocxx_testing EXPORT gocxxTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  set(GOCXX_INSTALLS_TESTING ON)
endif()
install(DIRECTORY include/gocxx DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_BINARY_DIR}/include/gocxx/version.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/gocxx)
install(EXPORT gocxxTargets NAMESPACE gocxx:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/gocxx)

configure_package_config_file(cmake/gocxxConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/gocxxConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/gocxx)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/gocxxConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/gocxxConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/gocxxConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/gocxx)

# The prefix is found from the .pc file's own place, so the installed tree can be
# moved (or installed with cmake --install --prefix).
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(GOCXX_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH _gocxx_pc_up "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
  set(GOCXX_PC_PREFIX "\${pcfiledir}/${_gocxx_pc_up}")
endif()
foreach(dir IN ITEMS LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(GOCXX_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(GOCXX_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
configure_file(cmake/gocxx.pc.in ${CMAKE_CURRENT_BINARY_DIR}/gocxx.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/gocxx.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

