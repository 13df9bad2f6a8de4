#!/usr/bin/env python3
"""One process opens a session, then `save`s into a new directory and again into it (existing: the
same copies, left as they are); with --changed FILE2 (the same reports under another clustering) it
then opens FILE2 and saves into the directory once more, where every copy changes (a temporary file
and a rename each). Prints one JSON line per save: bin, mode, seconds, user, sys, MB/s of bytes read,
load average.
usage: save_steps.py --bin BIN --session FILE [--changed FILE2] --out DIR"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scale_steps import Shell  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) / TICKS, int(fields[12]) / TICKS


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--session", required=True)
    ap.add_argument("--changed")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    shell = Shell(args.bin, sys.stderr)
    shell.send(f'session open "{args.session}"')
    doc = shell.read_document(1800)
    if not doc or doc.get("ok") is False:
        sys.exit(f"cannot open {args.session}: {doc}")
    modes = [("new DIR", None), ("existing DIR", None)]
    if args.changed:
        modes.append(("existing DIR, every copy changed", args.changed))
    for mode, reopen in modes:
        if reopen:
            shell.send(f'session open "{reopen}"')
            doc = shell.read_document(1800)
            if not doc or doc.get("ok") is False:
                sys.exit(f"cannot open {reopen}: {doc}")
        os.sync()  # what earlier steps left dirty is not this save's to write
        load = os.getloadavg()[0]
        user0, sys0 = cpu(shell.proc.pid)
        t0 = time.monotonic()
        shell.send(f'save "{args.out}"')
        doc = shell.read_document(3600) or {}
        seconds = time.monotonic() - t0
        user1, sys1 = cpu(shell.proc.pid)
        moved = doc.get("bytes_read", 0)
        print(json.dumps({"bin": args.bin, "mode": mode, "written": doc.get("written"), "seconds": round(seconds, 2),
                          "user": round(user1 - user0, 2), "sys": round(sys1 - sys0, 2),
                          "MBps": round(moved / 1e6 / seconds, 1), "load1": round(load, 1),
                          "error": doc.get("error") or doc.get("incomplete")}), flush=True)
    shell.close()


if __name__ == "__main__":
    main()
