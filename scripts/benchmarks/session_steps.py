#!/usr/bin/env python3
"""Measure `session open` and `session save` of one saved session, each step on its own.

Two fresh cuckooml processes (`--json`, fed through a pipe; see scale_steps.py for how a step is
measured): the first opens FILE as given (it may be of an older format) and saves it as WORK/a.cml in
today's format; the second opens WORK/a.cml, as an analyst reopening a session would, and saves it
again as WORK/b.cml (a session opened from today's format shares its strings). The two saves must
give the same bytes. Per step: wall and CPU seconds, peak RSS during the step, the file's size.

usage: session_steps.py --bin BIN --session FILE --work DIR [--timeout S]
Prints one JSON line per step: step, ok, seconds, cpu_seconds, peak_rss_mb, file_mb, error; then one
with same_bytes.
"""
import argparse
import filecmp
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scale_steps import Shell, StepMeter, file_size  # noqa: E402


def run(binary, steps, timeout, log):
    shell = Shell(binary, log)
    pid = shell.proc.pid
    for name, command, path in steps:
        meter = StepMeter(pid)
        shell.send(command)
        doc = shell.read_document(timeout, on_tick=meter.tick)
        seconds = meter.seconds()
        ok = isinstance(doc, dict) and doc.get("ok", True) is not False and "error" not in doc
        out = {"step": name, "ok": ok, "seconds": seconds, "cpu_seconds": meter.cpu_seconds(),
               "peak_rss_mb": meter.peak_kb() / 1024,
               "file_mb": file_size(path) / 1048576}
        if not ok:
            out["error"] = (doc or {}).get("error") or "no output (crashed or over the timeout?)"
        print(json.dumps(out), flush=True)
        if not ok:
            break
    shell.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--session", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--timeout", type=float, default=600)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    a, b = os.path.join(args.work, "a.cml"), os.path.join(args.work, "b.cml")
    for path in (a, b):
        if os.path.exists(path):
            os.remove(path)
    with open(os.path.join(args.work, "stderr.log"), "ab") as log:
        run(args.bin, [("open (as given)", f'session open "{args.session}"', args.session),
                       ("save", f'session save "{a}"', a)], args.timeout, log)
        run(args.bin, [("open", f'session open "{a}"', a),
                       ("save (reopened)", f'session save "{b}"', b)], args.timeout, log)
    same = os.path.exists(a) and os.path.exists(b) and filecmp.cmp(a, b, shallow=False)
    print(json.dumps({"same_bytes": same}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
