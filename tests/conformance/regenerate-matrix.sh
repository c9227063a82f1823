#!/usr/bin/env bash
# Regenerates the API x version tables of docs/conformance.md from the
# forced-version tests: runs kwire_conformance_tests with
# KWIRE_CONFORMANCE_MATRIX set (each such test case appends its table) and
# replaces what lies between <!-- matrix:begin --> and <!-- matrix:end -->.
# Fails, leaving the document alone, if any test fails.
# Usage: tests/conformance/regenerate-matrix.sh [BUILD_DIR]   (default build/test-asan)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/test-asan}
tables=$(mktemp)
trap 'rm -f "$tables"' EXIT
# Declaration order: the tables come out in the same order every time.
KWIRE_CONFORMANCE_MATRIX=$tables "$build/tests/kwire_conformance_tests" --order decl '[versions]' >/dev/null
/usr/bin/python3 - "$tables" docs/conformance.md <<'PY'
import sys
tables, doc = sys.argv[1], sys.argv[2]
text = open(doc).read()
begin, end = "<!-- matrix:begin -->\n", "<!-- matrix:end -->"
a, b = text.index(begin) + len(begin), text.index(end)
generated = open(tables).read().strip("\n") + "\n"
open(doc, "w").write(text[:a] + generated + text[b:])
PY
echo "docs/conformance.md: matrix regenerated"
