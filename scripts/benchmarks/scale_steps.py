#!/usr/bin/env python3
"""Drive one cuckooml process through the scale steps and measure each step on its own.

The shell reads commands from a pipe (`--json --keep-going`) and prints one JSON document per
command, so each step is timed from writing its line to reading its document. Per step: wall time,
CPU time (user + system of every thread, from /proc/PID/stat), peak RSS during the step (the kernel's
high-water mark VmHWM, reset before each step through /proc/PID/clear_refs; where that is not allowed,
the largest VmRSS sampled every 20 ms) and the bytes the step read or wrote, for MB/s.

--ctrl-c STEP... also measures how fast Ctrl-C stops those steps: each runs again in a fresh process
after its setup, SIGINT is sent once it has run for --ctrl-c-after seconds, and the time until the
process has reported `interrupted` and exited is printed.

usage: scale_steps.py --bin BIN --reports DIR --new DIR --work DIR [--timeout S] [--ctrl-c STEP...]
Prints one JSON line per step: step, command, ok, seconds, cpu_seconds, peak_rss_mb, rss_after_mb,
bytes, error.
"""
import argparse
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time

TICKS = os.sysconf("SC_CLK_TCK")


def steps(reports, new, work):
    session = os.path.join(work, "session.cml")
    saved = os.path.join(work, "saved")
    # (name, command, bytes the step moves: a function of its JSON document)
    return [
        ("load", f'load "{reports}"', lambda doc: doc.get("bytes", 0)),
        ("features full", "features full", None),
        ("features filter", "features filter coverage=0.1", None),
        ("cluster hdbscan 1 6", "cluster hdbscan 1 6", None),
        ("assess", "assess", None),
        ("session save", f'session save "{session}"', lambda doc: file_size(session)),
        ("session open", f'session open "{session}"', lambda doc: file_size(session)),
        ("save DIR", f'save "{saved}"', lambda doc: doc.get("bytes_read", 0)),
        ("compare DIR", f'compare "{new}"', lambda doc: dir_size(new)),
        ("compare DIR add", f'compare "{new}" add', lambda doc: dir_size(new)),
    ]


# What a step needs before it can run on its own (Ctrl-C test): the session file the main run saved
# holds the session after assess.
def setup_for(name, reports, work):
    session = os.path.join(work, "session.cml")
    return {
        "load": [],
        "session open": [],
        "features filter": [f'session open "{session}"', "features full"],
    }.get(name, [f'session open "{session}"'])


def file_size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def dir_size(path):
    total = 0
    for entry in os.scandir(path):
        try:
            total += entry.stat().st_size
        except OSError:
            pass
    return total


def cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    except OSError:
        return 0.0


def status_kb(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def reset_peak(pid):
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class Shell:
    def __init__(self, binary, stderr):
        self.proc = subprocess.Popen([binary, "--json", "--keep-going"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=stderr, bufsize=0)
        self.buffer = b""

    def send(self, command):
        self.proc.stdin.write(command.encode() + b"\n")
        self.proc.stdin.flush()

    def read_document(self, timeout, on_tick=None):
        """The next JSON line, or None after `timeout` seconds (or when the process ended)."""
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], min(left, 0.02))
            if on_tick:
                on_tick()
            if ready:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    return None
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class StepMeter:
    """One command of a running shell measured alone: wall and CPU seconds and its peak RSS (exact
    where the kernel lets the peak be reset, else the largest RSS sampled while it ran)."""

    def __init__(self, pid):
        self.pid = pid
        self.exact = reset_peak(pid)
        self.sampled = [status_kb(pid, "VmRSS")]
        self.cpu0 = cpu_seconds(pid)
        self.t0 = time.monotonic()

    def tick(self):
        self.sampled.append(status_kb(self.pid, "VmRSS"))

    def seconds(self):
        return time.monotonic() - self.t0

    def cpu_seconds(self):
        return cpu_seconds(self.pid) - self.cpu0

    def peak_kb(self):
        return status_kb(self.pid, "VmHWM") if self.exact else max(self.sampled)


def run_main(args, plan, log):
    shell = Shell(args.bin, log)
    pid = shell.proc.pid
    for name, command, moved in plan:
        meter = StepMeter(pid)
        shell.send(command)
        doc = shell.read_document(args.timeout, on_tick=meter.tick)
        seconds = meter.seconds()
        timed_out = doc is None and shell.proc.poll() is None
        if timed_out:
            # Over the limit: Ctrl-C it and stop here (the shell stops a piped run after an interrupt).
            shell.proc.send_signal(signal.SIGINT)
            doc = shell.read_document(30)
        cpu = meter.cpu_seconds()
        peak_kb = meter.peak_kb()
        # Most commands answer one object; `compare DIR` answers a list (one placement per report).
        if isinstance(doc, dict):
            ok = doc.get("ok", True) is not False and "error" not in doc
        else:
            ok = bool(doc)
        out = {"step": name, "command": command, "ok": ok and not timed_out, "seconds": seconds,
               "cpu_seconds": cpu, "peak_rss_mb": peak_kb / 1024, "rss_after_mb": status_kb(pid, "VmRSS") / 1024,
               "bytes": moved(doc) if (moved and doc) else 0}
        if timed_out:
            out["error"] = f"over {args.timeout:.0f} s: interrupted"
        elif not ok:
            out["error"] = (doc or {}).get("error") or (doc or {}).get("incomplete") or "no output (crashed?)"
        print(json.dumps(out), flush=True)
        if timed_out or shell.proc.poll() is not None:
            break
    shell.close()


def run_ctrl_c(args, plan, log):
    by_name = {name: command for name, command, _ in plan}
    for name in args.ctrl_c:
        if name not in by_name:
            print(json.dumps({"ctrl_c": name, "error": "unknown step"}), flush=True)
            continue
        shell = Shell(args.bin, log)
        ready = True
        for command in setup_for(name, args.reports, args.work):
            shell.send(command)
            doc = shell.read_document(args.timeout)
            if not doc or doc.get("ok") is False:
                ready = False
                break
        if not ready:
            print(json.dumps({"ctrl_c": name, "error": "setup failed"}), flush=True)
            shell.proc.kill()
            shell.close()
            continue
        shell.send(by_name[name])
        doc = shell.read_document(args.ctrl_c_after)
        if doc is not None:
            print(json.dumps({"ctrl_c": name, "finished_before_s": args.ctrl_c_after}), flush=True)
            shell.close()
            continue
        t0 = time.monotonic()
        shell.proc.send_signal(signal.SIGINT)
        doc = shell.read_document(30)
        reported = time.monotonic() - t0
        try:
            shell.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            shell.proc.kill()
        exited = time.monotonic() - t0
        interrupted = bool(doc) and "interrupted" in str(doc.get("error", ""))
        print(json.dumps({"ctrl_c": name, "reported_s": reported, "exited_s": exited,
                          "interrupted": interrupted, "exit": shell.proc.returncode}), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--reports", required=True)
    ap.add_argument("--new", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--ctrl-c", nargs="*", default=[])
    ap.add_argument("--ctrl-c-after", type=float, default=1.0)
    ap.add_argument("--only", nargs="*", default=None, help="run only these steps (in order)")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    shutil.rmtree(os.path.join(args.work, "saved"), ignore_errors=True)
    plan = steps(args.reports, args.new, args.work)
    if args.only is not None:
        plan = [s for s in plan if s[0] in args.only]
    with open(os.path.join(args.work, "stderr.log"), "ab") as log:
        if plan and (args.only is None or args.only):
            run_main(args, plan, log)
        if args.ctrl_c:
            run_ctrl_c(args, steps(args.reports, args.new, args.work), log)


if __name__ == "__main__":
    sys.exit(main())
