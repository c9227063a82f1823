#!/usr/bin/env python3
"""Generates kwire's protocol messages from Apache Kafka's JSON message specs.

  python3 tools/codegen/generate.py            # rewrite protocol/generated/
  python3 tools/codegen/generate.py --check    # regenerate into a temp dir, fail on any difference

The job is split by file: spec_model.py parses the specs, versions.py decides
which bytes exist in which version, cpp_names.py spells C++ types and names,
emit_message.py / emit_codec.py write one header per message and one source
per API, emit_tables.py writes the tables built from all specs together.
Python 3 standard library only.
"""

import argparse
import difflib
import filecmp
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from spec_model import load_all  # noqa: E402
from cpp_names import file_stem, api_stem  # noqa: E402
from emit_message import MessageEmitter, source_file  # noqa: E402
import emit_tables  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def render(specs_dir, errors_tsv):
    """Returns {relative path: text} for everything under protocol/generated/."""
    messages = load_all(specs_dir)
    files = {}
    inc = "include/kwire/protocol"
    by_source = {}
    for m in messages:
        files[f"{inc}/messages/{file_stem(m.name)}.hpp"] = MessageEmitter(m).header()
        by_source.setdefault(api_stem(m.name), []).append(m)
    for stem, ms in by_source.items():
        files[f"src/{stem}.cpp"] = source_file(ms, stem)
    files[f"{inc}/messages/all.hpp"] = emit_tables.all_header(messages)
    files["src/api_table_data.cpp"] = emit_tables.api_table(messages)
    files["src/message_schemas.cpp"] = emit_tables.schema_table(messages)
    files["src/message_round_trip.cpp"] = emit_tables.round_trip_dispatch(messages)
    files[f"{inc}/kafka_errc.hpp"] = emit_tables.errc_header(errors_tsv)
    files["src/kafka_error_table.cpp"] = emit_tables.errc_table(errors_tsv)
    return files


def write_tree(root, files):
    if root.exists():
        shutil.rmtree(root)
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


def compare_trees(expected, actual):
    """Lists of differing, missing and extra relative paths."""
    exp = {p.relative_to(expected) for p in expected.rglob("*") if p.is_file()}
    act = {p.relative_to(actual) for p in actual.rglob("*") if p.is_file()} if actual.exists() else set()
    diff = [p for p in sorted(exp & act) if not filecmp.cmp(expected / p, actual / p, shallow=False)]
    return diff, sorted(exp - act), sorted(act - exp)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--specs", type=Path, default=REPO.parent / "shared" / "kafka-message-specs",
                    help="folder of Kafka's *.json message specs")
    ap.add_argument("--errors", type=Path, default=None,
                    help="error-codes.tsv (default: kafka-docs/ beside the specs folder)")
    ap.add_argument("--out", type=Path, default=REPO / "protocol" / "generated")
    ap.add_argument("--check", action="store_true", help="fail if --out differs from a fresh generation")
    args = ap.parse_args()
    errors = args.errors or args.specs.parent / "kafka-docs" / "error-codes.tsv"
    files = render(args.specs, errors)
    if not args.check:
        write_tree(args.out, files)
        print(f"wrote {len(files)} files to {args.out}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "generated"
        write_tree(fresh, files)
        diff, missing, extra = compare_trees(fresh, args.out)
        for p in diff:
            sys.stdout.writelines(difflib.unified_diff(
                (args.out / p).read_text().splitlines(True)[:2000], (fresh / p).read_text().splitlines(True)[:2000],
                f"committed/{p}", f"generated/{p}", n=1))
        for p in missing:
            print(f"missing from {args.out}: {p}")
        for p in extra:
            print(f"not generated, but in {args.out}: {p}")
        if diff or missing or extra:
            print("protocol/generated is stale: run python3 tools/codegen/generate.py", file=sys.stderr)
            return 1
    print("protocol/generated is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
