#!/usr/bin/env python3
"""Silhouette fixtures for binary rows with many duplicates (the grouped bit path, `BitSilhouette`).

Run with the oracle Python (scikit-learn 1.9.1, numpy):
    /tmp/cuckooml-oracle/bin/python scripts/oracle-bit-silhouette.py Tests/CuckooMLTests/Fixtures/assessment
Writes silhouette-binary.txt in the format of silhouette.txt (see oracle-assessment.py): rows drawn from a
few prototypes with bits flipped, so identical rows are common; some copies of a row sit in different
clusters; the width crosses 64-bit words (1, 64, 65 and 130 columns); all five metrics. Seeded.
"""
import os
import sys
import numpy as np
from sklearn import metrics

rng = np.random.default_rng(20261204)
out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def block(name, metric, X, labels, noise):
    X = np.asarray(X, dtype=float)
    labels = np.asarray(labels)
    Xm, lm = X, labels
    if noise == "drop":
        keep = labels >= 0
        Xm, lm = X[keep], labels[keep]
    k = len(np.unique(lm))
    if 1 < k < len(lm):
        data = Xm > 0 if metric == "jaccard" else Xm
        s = repr(float(metrics.silhouette_score(data, lm, metric=metric)))
    else:
        s = "none"
    lines = [f"case {name} {metric} {X.shape[0]} {X.shape[1]}"]
    lines += ["row " + " ".join(str(int(v)) for v in r) for r in X]
    lines += ["labels " + " ".join(map(str, labels)), f"noise {noise}", f"silhouette {s}", "end"]
    return "\n".join(lines)


def planted(n, d, prototypes, flip):
    protos = (rng.random((prototypes, d)) < 0.35).astype(int)
    which = rng.integers(0, prototypes, n)
    X = protos[which].copy()
    noisy = rng.random(n) < 0.5
    flips = (rng.random((n, d)) < flip) & noisy[:, None]
    X[flips] = 1 - X[flips]
    # Labels follow the prototypes mostly; a tenth are noise or another cluster, so some copies of a
    # row carry different labels.
    labels = which.copy()
    moved = rng.random(n) < 0.1
    labels[moved] = rng.integers(-1, prototypes, moved.sum())
    return X, labels


blocks = []
metric_names = ["euclidean", "manhattan", "jaccard", "hamming", "cosine"]
case = 0
for d in (1, 64, 65, 130):
    for metric in metric_names:
        n = int(rng.integers(30, 140))
        X, labels = planted(n, d, int(rng.integers(2, 7)), 0.03 if d > 1 else 0.3)
        if metric == "cosine":
            X[X.sum(axis=1) == 0, 0] = 1   # scikit-learn's cosine of an all-zero row is not the bit kernel's
        blocks.append(block(f"binary-{case}", metric, X, labels, "keep" if case % 2 == 0 else "drop"))
        case += 1
# Every row identical: all distances 0, so a = b = 0 and every score is 0 (0/0 made 0).
blocks.append(block("binary-all-same", "euclidean", np.ones((12, 3)), [0] * 6 + [1] * 6, "keep"))
open(f"{out}/silhouette-binary.txt", "w").write("\n".join(blocks) + "\n")
