#!/usr/bin/env python3
"""Run a command; print one JSON line with its wall time (s) and peak RSS (MB), from wait4's rusage.

usage: measure.py [--quiet] CMD ARG...   (--quiet discards the command's stdout)
"""
import json
import os
import subprocess
import sys
import time

args = sys.argv[1:]
quiet = args[:1] == ["--quiet"]
if quiet:
    args = args[1:]
start = time.perf_counter()
proc = subprocess.Popen(args, stdout=subprocess.DEVNULL if quiet else None)
_, status, usage = os.wait4(proc.pid, 0)
wall = time.perf_counter() - start
print(json.dumps({"seconds": wall, "peak_rss_mb": usage.ru_maxrss / 1024.0,
                  "exit": os.waitstatus_to_exitcode(status)}))
sys.exit(0)
