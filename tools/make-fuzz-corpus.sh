#!/usr/bin/env bash
# Rebuilds the committed seed corpora (tests/fuzz/corpus/<target>/): raw seeds
# from kwire_fuzz_seeds (generated encoders, real batches of every codec, ...)
# plus the current corpus, optionally grown by a libFuzzer run, then
# minimized with -merge=1 (only inputs that add coverage stay). Files named
# crash* are regression inputs and are always kept. Run by hand after a
# decoder or a target changes; commit the result.
# Usage: tools/make-fuzz-corpus.sh [GROW_SECONDS_PER_TARGET] [TARGET...]  (default 0: no growing)
set -euo pipefail
cd "$(dirname "$0")/.."
grow=${1:-0}
shift || true
build=${KWIRE_FUZZ_BUILD_DIR:-build/test-asan}
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
[ -f "$build/CMakeCache.txt" ] || tools/configure-test-build.sh "$build"
targets=${*:-$(cd tests/fuzz && ls *_fuzz.cpp | sed 's/\.cpp$//')}
# shellcheck disable=SC2086
cmake --build "$build" -j"$(nproc)" --target kwire_fuzz_seeds $targets
raw=$(mktemp -d)
trap 'rm -rf "$raw"' EXIT
"$build/tests/kwire_fuzz_seeds" "$raw"
for t in $targets; do
  corpus=tests/fuzz/corpus/$t
  mkdir -p "$corpus" "$raw/$t" "$raw/$t.grown" "$raw/$t.merged"
  if [ "$grow" -gt 0 ]; then
    "$build/tests/$t" -max_total_time="$grow" -timeout=10 -rss_limit_mb=1024 -print_final_stats=0 \
      "$raw/$t.grown" "$raw/$t" "$corpus" 2>&1 | grep -E '(DONE|INITED)' || true
  fi
  cp "$corpus"/crash* "$raw/$t.merged"/ 2>/dev/null || true  # kept whatever coverage they add
  if ! "$build/tests/$t" -merge=1 -timeout=10 -rss_limit_mb=1024 "$raw/$t.merged" "$corpus" "$raw/$t" \
    "$raw/$t.grown" > "$raw/$t.log" 2>&1; then
    tail -n 30 "$raw/$t.log"
    echo "corpus: merging $t failed; tests/fuzz/corpus/$t left as it was"
    exit 1
  fi
  rm -rf "$corpus"
  mkdir -p "$corpus"
  cp "$raw/$t.merged"/* "$corpus"/ 2>/dev/null || true
  echo "corpus: $t $(find "$corpus" -type f | wc -l) files, $(du -sk "$corpus" | cut -f1) KiB"
done
