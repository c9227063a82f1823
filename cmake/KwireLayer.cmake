# kwire_layer(NAME DIR [DEPS targets...] [EXTRA_SOURCES files...])
# One static library per layer. Sources are globbed so a new file in a layer
# needs no CMake edit; headers live in DIR/include/kwire/<layer>/.
function(kwire_layer name)
  cmake_parse_arguments(L "" "" "DEPS;EXTRA_SOURCES;EXTRA_INCLUDES" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp)
  if(NOT srcs AND NOT L_EXTRA_SOURCES)
    # A layer still being written has no sources yet; give the archive one.
    set(empty ${CMAKE_CURRENT_BINARY_DIR}/${name}_empty.cpp)
    file(WRITE ${empty} "// layer ${name} has no sources yet\n")
    set(srcs ${empty})
  endif()
  add_library(${name} STATIC ${srcs} ${L_EXTRA_SOURCES})
  add_library(kwire::${name} ALIAS ${name})
  target_include_directories(${name} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  foreach(inc ${L_EXTRA_INCLUDES})
    target_include_directories(${name} PUBLIC $<BUILD_INTERFACE:${inc}>)
  endforeach()
  target_link_libraries(${name} PUBLIC ${L_DEPS} PRIVATE $<BUILD_INTERFACE:kwire_warnings>)
  set_target_properties(${name} PROPERTIES EXPORT_NAME ${name})
  set_property(GLOBAL APPEND PROPERTY KWIRE_LAYERS ${name})
endfunction()
