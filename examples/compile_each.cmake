# cmake -DCXX=compiler -DINCLUDES=dir;dir -DFILES=a.cpp;b.cpp -P compile_each.cmake
# Compiles each file alone (syntax only) with -Wall -Wextra -Wpedantic -Werror.
set(flags -std=c++20 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -DASIO_STANDALONE -DASIO_NO_DEPRECATED)
foreach(inc ${INCLUDES})
  list(APPEND flags -I${inc})
endforeach()
foreach(file ${FILES})
  execute_process(COMMAND ${CXX} ${flags} ${file} RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${CXX} refuses ${file}:\n${err}")
  endif()
  message(STATUS "${CXX}: ${file} ok")
endforeach()
