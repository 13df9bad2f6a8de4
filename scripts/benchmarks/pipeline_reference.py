#!/usr/bin/env python3
"""The 2016 cuckooml workflow in plain Python, the side-by-side reference for scripts/bench pipeline.

load (json.load per report) -> features full (the 2016 groups) -> filter coverage=0.1 ->
hdbscan.HDBSCAN(min_samples=1, min_cluster_size=6) -> scikit-learn metrics against VirusTotal labels.
It mirrors what cuckooml computes closely enough to be a fair timing reference; it is not a test oracle.

usage: pipeline_reference.py REPORT_DIR
"""
import collections
import json
import math
import os
import re
import sys
from datetime import datetime

import numpy as np
import hdbscan
from sklearn import metrics

GENERIC = {"trojan", "generic", "malware", "variant", "heur", "heuristic", "agent", "virus", "worm", "backdoor",
           "application", "riskware", "adware", "downloader", "dropper", "unknown", "suspicious", "behaveslike",
           "artemis", "cloud", "malicious", "win32", "win64", "msil", "w32", "spyware", "pws", "packed", "gen",
           "kryptik", "injector", "crypt", "dldr", "trojandownloader", "trojandropper", "tr", "high", "confidence"}


def log3(v):
    return int(math.log(max(v, 0) + 2, 3))


def shape_grams(s):
    shaped = "".join("0" if c.isdigit() else "a" if c.isalpha() else c for c in s.lower())
    return {shaped[i:i + 3] for i in range(max(len(shaped) - 2, 0))}


def extract(report):
    f = collections.Counter()
    target = (report.get("target") or {}).get("file") or {}
    f[":meta:size"] = log3(target.get("size") or 0)
    for g in shape_grams(target.get("type") or ""):
        f[":meta:" + g] = 1
    static = report.get("static") or {}
    ts = static.get("pe_timestamp")
    if isinstance(ts, str):
        try:
            f[":meta:timestamp"] = log3(datetime.strptime(ts, "%Y-%m-%d %H:%M:%S").timestamp())
        except ValueError:
            pass
    for item in static.get("pe_versioninfo") or []:
        name, value = item.get("name") or "", item.get("value") or ""
        prefix = ":meta:" if name in ("FileDescription", "OriginalFilename") else ":sign:"
        for g in shape_grams(value):
            f[prefix + g] = 1
    if static.get("signature"):
        f[":sign:signed"] = 1
    for p in static.get("peid_signatures") or []:
        f[":pack:" + p] = 1
    for r in static.get("pe_resources") or []:
        f[":pef:lang:" + str(r.get("language"))] = 1
    for imp in static.get("pe_imports") or []:
        f[":simp:" + str(imp.get("dll"))] = 1
    behavior = report.get("behavior") or {}
    summary = behavior.get("summary") or {}
    for m in summary.get("mutex") or []:
        for g in shape_grams(m):
            f[":dimp:mutex:" + g] = 1
    for p in behavior.get("processes") or []:
        f[":dimp:proc:" + str(p.get("process_name"))] = 1
    for d in summary.get("dll_loaded") or []:
        f[":dimp:" + d] = 1
    for op in ("read", "written", "deleted", "copied", "moved"):
        paths = summary.get("file_" + op) or []
        for path in paths:
            f[":file:touch:" + str(path)] = 1
        f[":file:count:" + op] = log3(len(paths))
    for key in summary.get("regkey_written") or []:
        f[":reg:write:" + key] = 1
    for key in summary.get("regkey_deleted") or []:
        f[":reg:del:" + key] = 1
    api = collections.Counter()
    for calls in (behavior.get("apistats") or {}).values():
        api.update(calls)
    for name, count in api.items():
        f[":win:" + name] = log3(count)
    network = report.get("network") or {}
    for c in network.get("tcp") or []:
        f[":net:" + str(c.get("dst"))] = 1
    for c in network.get("udp") or []:
        f[":net:" + str(c.get("dst"))] = 1
    for d in network.get("dns") or []:
        f[":net:" + str(d.get("request"))] = 1
    for h in network.get("http") or []:
        f[":net:" + str(h.get("host"))] = 1
    f[":count:api"] = len(api)
    f[":count:mutex"] = len(summary.get("mutex") or [])
    f[":count:proc"] = len(behavior.get("processes") or [])
    return f


def label(report):
    vt = report.get("virustotal") or {}
    votes = collections.Counter()
    for scan in (vt.get("scans") or {}).values():
        result = scan.get("result")
        if not result:
            continue
        tokens = {t for t in re.split(r"[^a-z0-9]+", result.lower())
                  if len(t) >= 4 and not t.isdigit() and t not in GENERIC and not re.fullmatch(r"[0-9a-f]+", t)}
        votes.update(tokens)
    if not votes:
        return "none"
    family, count = min(votes.items(), key=lambda kv: (-kv[1], kv[0]))
    return family if count >= 5 else "none"


def main(directory):
    names = sorted(n for n in os.listdir(directory) if os.path.isfile(os.path.join(directory, n)))
    rows, labels = [], []
    for name in names:
        try:
            with open(os.path.join(directory, name), "rb") as fh:
                report = json.load(fh)
        except (ValueError, UnicodeDecodeError):
            continue
        if not isinstance(report, dict):
            continue
        rows.append(extract(report))
        labels.append(label(report))
    vocabulary = sorted(set().union(*rows)) if rows else []
    column = {name: i for i, name in enumerate(vocabulary)}
    X = np.zeros((len(rows), len(vocabulary)))
    for i, row in enumerate(rows):
        for name, value in row.items():
            X[i, column[name]] = value
    keep = (X != 0).sum(axis=0) >= 0.1 * len(rows)
    X = X[:, keep]
    clusterer = hdbscan.HDBSCAN(min_samples=1, min_cluster_size=6).fit(X)
    predicted = clusterer.labels_
    result = {
        "samples": len(rows), "features": int(X.shape[1]),
        "clusters": int(predicted.max() + 1), "noise": int((predicted < 0).sum()),
        "ari": metrics.adjusted_rand_score(labels, predicted),
        "ami": metrics.adjusted_mutual_info_score(labels, predicted),
        "homogeneity": metrics.homogeneity_score(labels, predicted),
        "completeness": metrics.completeness_score(labels, predicted),
        "v_measure": metrics.v_measure_score(labels, predicted),
        "fowlkes_mallows": metrics.fowlkes_mallows_score(labels, predicted),
    }
    if 1 < len(set(predicted)) < len(rows):
        result["silhouette"] = metrics.silhouette_score(X, predicted)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1])
