# Installs headers, the layer libraries, a CMake package (find_package(kwire)
# gives kwire::kwire) and a pkg-config file.
include(CMakePackageConfigHelpers)
get_property(layers GLOBAL PROPERTY KWIRE_LAYERS)

foreach(dir compression protocol net client)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endforeach()
if(EXISTS ${PROJECT_SOURCE_DIR}/protocol/generated/include)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/protocol/generated/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endif()

install(TARGETS ${layers} kwire kwire_warnings EXPORT kwireTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT kwireTargets NAMESPACE kwire:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kwire)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/kwireConfig.cmake.in
  ${PROJECT_BINARY_DIR}/kwireConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kwire)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/kwireConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/kwireConfig.cmake ${PROJECT_BINARY_DIR}/kwireConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kwire)

# pkg-config: the static archives, in link order, then their system dependencies.
set(KWIRE_PC_LIBS "-lkwire_client -lkwire_net -lkwire_protocol -lkwire_compression")
configure_file(${PROJECT_SOURCE_DIR}/cmake/kwire.pc.in ${PROJECT_BINARY_DIR}/kwire.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/kwire.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
