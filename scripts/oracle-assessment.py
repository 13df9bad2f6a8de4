#!/usr/bin/env python3
"""Writes the assessment fixtures (numbers only) for Tests/CuckooMLTests/AssessmentTests.

Run with the oracle venv (scikit-learn 1.9.1, numpy, pandas):
    /tmp/oracle/bin/python scripts/oracle-assessment.py Tests/CuckooMLTests/Fixtures/assessment
Seeded: the output is the same on every run.

Formats (whitespace-separated, one record per block, blocks end with `end`):
  metrics.txt     case NAME / truth INT... / pred INT... / one `key value` line per metric
  silhouette.txt  case NAME METRIC ROWS COLS / row VALUES... (ROWS lines) / labels INT... / noise keep|drop / silhouette VALUE|none
  quartiles.txt   case NAME / values NUMBERS... / q1 / q3 / outliers INDEX... / suspects INDEX...
  sweep.txt       case NAME METRIC ROWS COLS / row VALUES... / truth INT... / setting MS MCS CLUSTERS NOISE ARI AMI_MAX V SILHOUETTE
"""
import sys
import numpy as np
from sklearn import metrics

rng = np.random.default_rng(20160816)
out = sys.argv[1]
import os
os.makedirs(out, exist_ok=True)


def malheur(t, p):
    t = np.asarray(t); p = np.asarray(p)
    n = len(t)
    prec = sum(np.unique(t[p == c], return_counts=True)[1].max() for c in np.unique(p)) / n
    rec = sum(np.unique(p[t == l], return_counts=True)[1].max() for l in np.unique(t)) / n
    f = 0.0 if prec + rec == 0 else 2 * prec * rec / (prec + rec)
    return prec, rec, f


def metric_block(name, t, p):
    t = [int(x) for x in t]; p = [int(x) for x in p]
    h, c, v = metrics.homogeneity_completeness_v_measure(t, p)
    pr, rc, f = malheur(t, p)
    vals = [
        ("ari", metrics.adjusted_rand_score(t, p)),
        ("ami_max", metrics.adjusted_mutual_info_score(t, p, average_method="max")),
        ("ami_arithmetic", metrics.adjusted_mutual_info_score(t, p, average_method="arithmetic")),
        ("homogeneity", h), ("completeness", c), ("v_measure", v),
        ("fowlkes_mallows", metrics.fowlkes_mallows_score(t, p)),
        ("precision", pr), ("recall", rc), ("f_measure", f),
    ]
    lines = [f"case {name}", "truth " + " ".join(map(str, t)), "pred " + " ".join(map(str, p))]
    lines += [f"{k} {float(x)!r}" for k, x in vals]
    lines.append("end")
    return "\n".join(lines)


blocks = []
# Hand-made adversarial cases.
blocks.append(metric_block("identical", [0, 0, 1, 1, 2, 2], [5, 5, -1, -1, 3, 3]))
blocks.append(metric_block("sklearn-doc", [0, 0, 1, 1, 2, 2], [0, 0, 1, 2, 2, 2]))
blocks.append(metric_block("anti", [0, 0, 1, 1], [0, 1, 0, 1]))
blocks.append(metric_block("single-cluster", [0, 1, 2, 0, 1, 2, 3], [0] * 7))
blocks.append(metric_block("all-noise", [0, 1, 1, 2, 2, 2], [-1] * 6))
blocks.append(metric_block("single-label", [4] * 8, [0, 0, 1, 1, 2, -1, -1, 3]))
blocks.append(metric_block("single-label-single-cluster", [4] * 5, [2] * 5))
blocks.append(metric_block("all-singletons", [0, 0, 1, 1, 2, 2, 3], list(range(7))))
blocks.append(metric_block("singleton-labels", list(range(9)), [0, 0, 0, 1, 1, 1, 2, 2, -1]))
blocks.append(metric_block("one-sample", [3], [-1]))
blocks.append(metric_block("two-samples", [3, 4], [0, 0]))
blocks.append(metric_block("ties", [0, 0, 1, 1, 2, 2, 3, 3], [0, 1, 0, 1, 2, 3, 2, 3]))
# Random cases over a range of sizes, label counts and noise shares.
for k in range(60):
    n = int(rng.choice([3, 5, 10, 30, 100, 300, 1000, 3000]))
    labels = int(rng.integers(1, min(n, 60) + 1))
    clusters = int(rng.integers(1, min(n, 60) + 1))
    t = rng.integers(0, labels, n)
    mode = k % 3
    if mode == 0:       # independent
        p = rng.integers(-1, clusters, n)
    elif mode == 1:     # mostly agreeing, some noise
        p = t.copy() % clusters
        flip = rng.random(n) < 0.2
        p[flip] = rng.integers(-1, clusters, flip.sum())
    else:               # skewed sizes
        p = np.minimum(rng.geometric(0.3, n) - 2, clusters - 1)
    blocks.append(metric_block(f"random-{k}", t, p))
# Many labels, large n.
t = rng.integers(0, 400, 4000); p = (t // 3 + (rng.random(4000) < 0.1) * rng.integers(-1, 50, 4000)) % 150 - 1
blocks.append(metric_block("many-labels", t, p))
open(f"{out}/metrics.txt", "w").write("\n".join(blocks) + "\n")


def sil_block(name, metric, X, labels, noise):
    X = np.asarray(X, dtype=float); labels = np.asarray(labels)
    Xm, lm = X, labels
    if noise == "drop":
        keep = labels != -1
        Xm, lm = X[keep], labels[keep]
    k = len(np.unique(lm))
    if 1 < k < len(lm):
        s = repr(float(metrics.silhouette_score(Xm > 0 if metric == "jaccard" else Xm, lm, metric=metric)))
    else:
        s = "none"
    lines = [f"case {name} {metric} {X.shape[0]} {X.shape[1]}"]
    lines += ["row " + " ".join(repr(float(v)) for v in r) for r in X]
    lines += ["labels " + " ".join(map(str, labels)), f"noise {noise}", f"silhouette {s}", "end"]
    return "\n".join(lines)


blocks = []
for k in range(24):
    metric = ["euclidean", "manhattan", "jaccard", "hamming"][k % 4]
    n = int(rng.integers(4, 40)); d = int(rng.integers(1, 12))
    if metric in ("jaccard", "hamming"):
        X = (rng.random((n, d)) < 0.4).astype(float)
    else:
        # Small integers keep sklearn's dot-product euclidean exact (see README).
        X = rng.integers(0, 6, (n, d)).astype(float)
    labels = rng.integers(-1, int(rng.integers(2, 6)), n)
    blocks.append(sil_block(f"random-{k}", metric, X, labels, "keep" if k % 2 == 0 else "drop"))
X = rng.integers(0, 4, (6, 3)).astype(float)
blocks.append(sil_block("one-cluster", "euclidean", X, [0] * 6, "keep"))
blocks.append(sil_block("noise-and-one-cluster-keep", "euclidean", X, [-1, -1, 0, 0, 0, 0], "keep"))
blocks.append(sil_block("noise-and-one-cluster-drop", "euclidean", X, [-1, -1, 0, 0, 0, 0], "drop"))
blocks.append(sil_block("all-singletons", "manhattan", X, [0, 1, 2, 3, 4, 5], "keep"))
blocks.append(sil_block("singletons-and-pair", "manhattan", X, [0, 1, 2, 3, 4, 4], "keep"))
blocks.append(sil_block("duplicates", "euclidean", [[1, 0], [1, 0], [1, 0], [0, 2], [0, 2]], [0, 0, 1, 1, 1], "keep"))
open(f"{out}/silhouette.txt", "w").write("\n".join(blocks) + "\n")

import pandas as pd
blocks = []


def q_block(name, values):
    s = pd.Series(np.asarray(values, dtype=float))
    q1, q3 = s.quantile(0.25), s.quantile(0.75)
    iqr = q3 - q1
    outl, susp = [], []
    for i, v in enumerate(s):
        if v > q3 + 3 * iqr or v < q1 - 3 * iqr:
            outl.append(i)
            continue
        if v > q3 + 1.5 * iqr or v < q1 - 1.5 * iqr:
            susp.append(i)
    return "\n".join([f"case {name}", "values " + " ".join(repr(float(v)) for v in s),
                      f"q1 {float(q1)!r}", f"q3 {float(q3)!r}",
                      "outliers " + " ".join(map(str, outl)), "suspects " + " ".join(map(str, susp)), "end"])


blocks.append(q_block("one", [7]))
blocks.append(q_block("two", [1, 10]))
blocks.append(q_block("constant", [3] * 9))
blocks.append(q_block("mostly-zero", [0] * 20 + [1, 2, 50]))
blocks.append(q_block("fractional", [0.1, 0.7, 0.3, 1e6, -4.5, 0.2]))
for k in range(30):
    n = int(rng.integers(3, 200))
    v = rng.poisson(rng.uniform(0.5, 30), n).astype(float)
    spikes = rng.random(n) < 0.05
    v[spikes] *= rng.integers(2, 40, spikes.sum())
    blocks.append(q_block(f"random-{k}", v))
open(f"{out}/quartiles.txt", "w").write("\n".join(blocks) + "\n")

# Sweep: the hdbscan library (0.8.44, Prim's path) over a grid on blobs, each assessed with scikit-learn (noise kept).
import hdbscan
blocks = []
for k, metric in enumerate(["euclidean", "manhattan"]):
    centres = rng.uniform(0, 20, (4, 2))
    truth = rng.integers(0, 4, 60)
    X = centres[truth] + rng.normal(0, 1.2, (60, 2))
    truth[rng.random(60) < 0.1] = 9  # a few mislabelled samples
    lines = [f"case blobs-{k} {metric} {X.shape[0]} {X.shape[1]}"]
    lines += ["row " + " ".join(repr(float(v)) for v in r) for r in X]
    lines.append("truth " + " ".join(map(str, truth)))
    for ms in (1, 2, 3):
        for mcs in (3, 4, 5, 6):
            # Prim's path, as the oracle's --algorithm exact (the 'best' Boruvka path can change membership).
            labels = hdbscan.HDBSCAN(min_samples=ms, min_cluster_size=mcs, metric=metric,
                                     algorithm='prims_kdtree').fit(X).labels_
            n_labels = len(np.unique(labels))
            sil = repr(float(metrics.silhouette_score(X, labels, metric=metric))) if 1 < n_labels < len(labels) else "none"
            lines.append(f"setting {ms} {mcs} {labels.max() + 1} {(labels == -1).sum()} "
                         f"{metrics.adjusted_rand_score(truth, labels)!r} "
                         f"{metrics.adjusted_mutual_info_score(truth, labels, average_method='max')!r} "
                         f"{metrics.v_measure_score(truth, labels)!r} {sil}")
    lines.append("end")
    blocks.append("\n".join(lines))
open(f"{out}/sweep.txt", "w").write("\n".join(blocks) + "\n")
