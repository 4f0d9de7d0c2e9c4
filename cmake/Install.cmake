include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS gocxx EXPORT gocxxTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/gocxx DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT gocxxTargets NAMESPACE gocxx:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/gocxx)

configure_package_config_file(cmake/gocxxConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/gocxxConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/gocxx)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/gocxxConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/gocxxConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/gocxxConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/gocxx)
