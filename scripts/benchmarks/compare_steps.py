#!/usr/bin/env python3
"""Drive one cuckooml process through `session open FILE`, `compare DIR` and (--add) `compare DIR add`,
measuring each step on its own with scale_steps.py's driver (wall, CPU, peak RSS during the step).

usage: compare_steps.py --bin BIN --session FILE --new DIR [--add] [--timeout S]
Prints one JSON line per step as scale_steps.py does; the session open line also gives `samples`.
"""
import argparse
import contextlib
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scale_steps  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--session", required=True)
    ap.add_argument("--new", required=True)
    ap.add_argument("--add", action="store_true")
    ap.add_argument("--timeout", type=float, default=1800)
    args = ap.parse_args()
    size = lambda doc: scale_steps.dir_size(args.new)
    plan = [("session open", f'session open "{args.session}"', lambda doc: scale_steps.file_size(args.session)),
            ("compare DIR", f'compare "{args.new}"', size)]
    if args.add:
        plan.append(("compare DIR add", f'compare "{args.new}" add', size))
    captured = io.StringIO()
    with open(os.devnull, "wb") as log, contextlib.redirect_stdout(captured):
        scale_steps.run_main(args, plan, log)
    for line in captured.getvalue().splitlines():
        row = json.loads(line)
        if row.get("step") == "session open":
            row["samples"] = samples(args.session)
        print(json.dumps(row), flush=True)


def samples(path):
    """The session's sample count (its SQLite file's samples table), or None."""
    try:
        import sqlite3
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            return db.execute("select count(*) from samples").fetchone()[0]
    except Exception:
        return None


if __name__ == "__main__":
    sys.exit(main())
