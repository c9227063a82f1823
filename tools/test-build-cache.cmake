# Cache settings (forced, so an older build directory follows them) for the test builds (tools/configure-test-build.sh and
# tools/run-tsan.sh, loaded with cmake -C). Issue 12: a cold CI spends most of
# its time compiling, not testing, so these builds trade optimisation and debug
# detail the tests do not need for compile time:
# - -O1 with line tables only: sanitizer reports still name file:line, and
#   the tests wait on sockets and timers far more than they compute.
# - unity builds (cmake/KwireUnity.cmake): each target compiles its sources
#   in groups of 8, so the heavy shared headers (Asio, Catch2, the generated
#   messages) are parsed once per group instead of once per file.
set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "" FORCE)
set(CMAKE_C_FLAGS_RELWITHDEBINFO "-O1 -gline-tables-only -DNDEBUG" CACHE STRING "" FORCE)
set(CMAKE_CXX_FLAGS_RELWITHDEBINFO "-O1 -gline-tables-only -DNDEBUG" CACHE STRING "" FORCE)
set(KWIRE_UNITY_BUILD ON CACHE BOOL "" FORCE)
set(KWIRE_UNITY_BATCH 8 CACHE STRING "" FORCE)
