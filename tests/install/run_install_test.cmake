# Installs the built tree into a scratch prefix, then configures, builds and
# runs a separate project that only knows find_package(kwire), and checks the
# pkg-config file too.
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${prefix})

# A sanitizer build's archives need the same runtime in the consumer.
file(STRINGS ${BINARY_DIR}/CMakeCache.txt san REGEX "^KWIRE_SANITIZE:")
string(REGEX REPLACE "^[^=]*=" "" san "${san}")
set(flags "")
if(san)
  set(flags "-fsanitize=${san}")
endif()

run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/install/consumer -B ${WORK_DIR}/build
    -DCMAKE_PREFIX_PATH=${prefix} "-DCMAKE_CXX_FLAGS=${flags}" "-DCMAKE_EXE_LINKER_FLAGS=${flags}")
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${WORK_DIR}/build/kwire_consumer)
message(STATUS "consumer said: ${last_output}")
if(NOT last_output MATCHES "kwire install ok")
  message(FATAL_ERROR "consumer did not report success: ${last_output}")
endif()

find_program(PKG_CONFIG pkg-config REQUIRED)
set(ENV{PKG_CONFIG_PATH} ${prefix}/lib/pkgconfig)
run(${PKG_CONFIG} --libs --cflags kwire)
if(NOT last_output MATCHES "-lkwire_client")
  message(FATAL_ERROR "pkg-config kwire gave: ${last_output}")
endif()
