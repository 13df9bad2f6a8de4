#!/usr/bin/env python3
"""The Python side of scripts/bench scale: the 2016 steps done with json + numpy + scikit-learn (+ the
hdbscan library), each phase timed on its own, for the same corpus in the same run.

Phases (beside cuckooml's step):
  json.load           load             every report parsed with json.load; the 2016 features and the
                                        2016 label taken from each (pipeline_reference.extract/label)
  features full       features full    the feature dicts to a sparse CSR matrix (DictVectorizer)
  features filter     features filter  columns non-zero in at least 10 % of the rows, then dense
  cluster hdbscan 1 6 cluster hdbscan  hdbscan.HDBSCAN(min_samples=1, min_cluster_size=6) (only up to
                                        --hdbscan-max rows: it grows about quadratically)
  assess              assess           scikit-learn's ARI, AMI, homogeneity, completeness, V-measure,
                                        Fowlkes-Mallows, and the exact silhouette up to --hdbscan-max rows

Each phase prints one JSON line: step, seconds, cpu_seconds, peak_rss_mb (VmHWM, reset before the
phase through /proc/self/clear_refs), bytes. This mirrors the work closely enough to be a fair timing
reference; it is not a test oracle.

usage: scale_reference.py REPORT_DIR [--hdbscan-max N]
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pipeline_reference import extract, label  # noqa: E402


def peak_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


class Phase:
    def __init__(self, name):
        self.name = name
        self.bytes = 0

    def __enter__(self):
        reset_peak()
        self.wall = time.perf_counter()
        self.cpu = time.process_time()
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            print(json.dumps({"step": self.name, "seconds": time.perf_counter() - self.wall,
                              "cpu_seconds": time.process_time() - self.cpu,
                              "peak_rss_mb": peak_kb() / 1024, "bytes": self.bytes}), flush=True)
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("directory")
    ap.add_argument("--hdbscan-max", type=int, default=20000)
    args = ap.parse_args()

    import numpy as np
    from sklearn import metrics
    from sklearn.feature_extraction import DictVectorizer

    names = sorted(n for n in os.listdir(args.directory) if os.path.isfile(os.path.join(args.directory, n)))
    rows, labels = [], []
    with Phase("load") as phase:
        for name in names:
            path = os.path.join(args.directory, name)
            try:
                with open(path, "rb") as fh:
                    data = fh.read()
                phase.bytes += len(data)
                report = json.loads(data)
            except (ValueError, UnicodeDecodeError, OSError):
                continue
            if not isinstance(report, dict):
                continue
            rows.append(extract(report))
            labels.append(label(report))
            del report, data
    with Phase("features full"):
        X = DictVectorizer(sparse=True, sort=True).fit_transform(rows).tocsr()
        del rows
    with Phase("features filter"):
        support = np.diff(X.tocsc().indptr)
        X = X[:, support >= 0.1 * X.shape[0]].toarray()
    n = X.shape[0]
    if n > args.hdbscan_max:
        print(json.dumps({"step": "cluster hdbscan 1 6", "skipped": f"over {args.hdbscan_max} rows"}), flush=True)
        predicted = None
    else:
        import hdbscan
        with Phase("cluster hdbscan 1 6"):
            predicted = hdbscan.HDBSCAN(min_samples=1, min_cluster_size=6).fit(X).labels_
    if predicted is not None:
        with Phase("assess"):
            for score in (metrics.adjusted_rand_score, metrics.adjusted_mutual_info_score, metrics.homogeneity_score,
                          metrics.completeness_score, metrics.v_measure_score, metrics.fowlkes_mallows_score):
                score(labels, predicted)
            if 1 < len(set(predicted)) < n:
                metrics.silhouette_score(X, predicted)


if __name__ == "__main__":
    main()
