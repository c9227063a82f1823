#!/usr/bin/env bash
# Every hand-written header compiles on its own (includes what it uses). The
# test builds are unity builds, where a header's missing include is often
# supplied by a neighbour in the same group; a non-unity build (bench/run.sh's
# Release build, a user's) then fails. Generated message headers are left
# out: the generator writes them all alike.
#   tools/check-headers.sh CXX -I... -D...
# The include directories and definitions come from CMake (kwire_client's,
# transitive ones included; tests/CMakeLists.txt passes them), so they stay
# the ones the library builds with.
set -euo pipefail
cd "$(dirname "$0")/.."
cxx=$1
shift
flags=(-std=c++20 -fsyntax-only "$@")
# A header compiled as the main file is told so by clang; that is the point here.
if "$cxx" --version | grep -qi clang; then flags+=(-Wno-pragma-once-outside-header); fi
failed=$(mktemp)
trap 'rm -f "$failed"' EXIT
export cxx failed
find compression protocol net client -name '*.hpp' -not -path '*/generated/*' | sort |
  xargs -P"$(nproc)" -I{} sh -c '
    if ! out=$("$cxx" "$@" -x c++ {} 2>&1); then
      printf "%s does not compile on its own:\n%s\n" {} "$(printf "%s\n" "$out" | grep -m3 error)" >> "$failed"
    fi' sh "${flags[@]}"
count=$(find compression protocol net client -name '*.hpp' -not -path '*/generated/*' | wc -l)
if [ -s "$failed" ]; then
  cat "$failed"
  echo "headers: $(grep -c 'does not compile' "$failed") of $count fail on their own"
  exit 1
fi
echo "headers: all $count compile on their own"
