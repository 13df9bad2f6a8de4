#!/usr/bin/env python3
"""Fixtures for the family clustering (numbers only), made with the oracle Python:

    /tmp/cuckooml-oracle/bin/python scripts/oracle-families.py Tests/CuckooMLTests/Fixtures/families

Seeded, so reruns give the same files.
- linkage.json (distances as decimal strings, which read back exactly; JSON number parsers may round):
  scipy.cluster.hierarchy.linkage(D, method='complete') + fcluster(t, criterion='distance')
  partitions for condensed matrices D: group-Jaccard matrices of small grouped binary rows (planted
  families, duplicates, empty rows: many ties) and matrices of coarse values (deliberate ties).
  cut_partitions: the same on the matrix with every distance beyond the cut t set to one value (what
  `cluster` computes, at any size); blocks* cases are coarse matrices with several components of ties.
- hdbscan_groupjaccard.json: hdbscan 0.8.44 (metric='precomputed', MST sort patched to a stable
  argsort as ../shared/oracle/hdbscan_oracle.py --tie-break stable does) on the group-Jaccard matrix.
The group-Jaccard distance is computed here from its definition, in the order cuckooml documents.
"""
import json, sys, types
import numpy as np
from scipy.cluster.hierarchy import linkage, fcluster
from scipy.spatial.distance import squareform

def group_jaccard(x, y, group_of, ngroups):
    s, c = 0.0, 0
    for g in range(ngroups):
        xs = {i for i in x if group_of[i] == g}
        ys = {i for i in y if group_of[i] == g}
        u = len(xs | ys)
        if u == 0:
            continue
        s += len(xs & ys) / u
        c += 1
    return 0.0 if c == 0 else 1 - s / c

def grouped_rows(rng, n, d, ngroups, families):
    # group names g0..g{k-1}: sorted as strings, which is the order cuckooml numbers them in
    names = sorted("g%d" % g for g in range(ngroups))
    column_group = [int(rng.integers(ngroups)) for _ in range(d)]
    group_of = [names.index("g%d" % g) for g in column_group]
    centres = [set(np.flatnonzero(rng.random(d) < 0.25).tolist()) for _ in range(families)]
    rows = []
    for i in range(n):
        r = rng.random()
        if i > 0 and r < 0.15:
            rows.append(list(rows[int(rng.integers(i))]))        # duplicate
        elif r < 0.2:
            rows.append([])                                      # empty row
        elif r < 0.35:
            rows.append(sorted(np.flatnonzero(rng.random(d) < 0.2).tolist()))   # noise
        else:
            c = centres[int(rng.integers(families))]
            flip = set(np.flatnonzero(rng.random(d) < 0.08).tolist())
            rows.append(sorted(c ^ flip))
    return ["column%d" % k for k in range(d)], [":g%d:c%d" % (column_group[k], k) for k in range(d)], group_of, rows

def condensed(rows, group_of, ngroups):
    n = len(rows)
    return [group_jaccard(rows[i], rows[j], group_of, ngroups) for i in range(n) for j in range(i + 1, n)]

def partitions(D, n, thresholds):
    if n < 2:
        return {str(t): [1] * n for t in thresholds}
    Z = linkage(np.asarray(D, dtype=float), method="complete")
    return {repr(t): fcluster(Z, t, criterion="distance").tolist() for t in thresholds}

def cut_partitions(D, n, thresholds):
    # What cuckooml's `cluster` computes: the same on the matrix with every distance beyond the cut set
    # to one value (so only the pairs within the cut decide; see Sources/CuckooML/Clustering/CutChain.swift).
    if n < 2:
        return {str(t): [1] * n for t in thresholds}
    D = np.asarray(D, dtype=float)
    out = {}
    for t in thresholds:
        Z = linkage(np.where(D > t, max(1.0, t) + 1.0, D), method="complete")
        out[repr(t)] = fcluster(Z, t, criterion="distance").tolist()
    return out

def blocks(rng, n, k):
    # k groups of samples close to each other (coarse values: ties everywhere), far from the others
    # except a few bridges, so the pairs within the cut form several components of tied distances.
    block = rng.integers(k, size=n)
    D = []
    for i in range(n):
        for j in range(i + 1, n):
            if block[i] == block[j] or rng.random() < 0.02:
                D.append(float(rng.integers(1, 9)) / 10)
            else:
                D.append(float(rng.integers(8, 11)) / 10)
    return D

def main(out):
    rng = np.random.default_rng(20260412)
    thresholds = [0.0, 0.2, 0.5, 0.7, 0.85]
    cases = []
    for n, d, ng, fam in [(12, 20, 3, 2), (30, 40, 5, 3), (60, 80, 8, 5), (150, 120, 10, 12), (40, 6, 2, 3)]:
        _, names, group_of, rows = grouped_rows(rng, n, d, ng, fam)
        D = condensed(rows, group_of, ng)
        cases.append({"name": "grouped%d" % n, "names": names, "rows": rows, "distances": [repr(x) for x in D],
                      "thresholds": thresholds, "partitions": partitions(D, n, thresholds)})
    # coarse values: many exact ties, and a case where scipy's chain enters a component from outside
    for n in [4, 7, 10, 25, 40]:
        D = (rng.integers(1, 11, size=n * (n - 1) // 2) / 10).tolist()
        cases.append({"name": "ties%d" % n, "distances": [repr(x) for x in D], "thresholds": [0.3, 0.5, 0.7],
                      "partitions": partitions(D, n, [0.3, 0.5, 0.7])})
    # p=0, a=1, b=2, c=3: d(a,b)=d(b,c)=0.5, d(a,c)=0.9; p is nearest to c at 0.8 > t
    D = squareform(np.array([[0, .95, .9, .8], [.95, 0, .5, .9], [.9, .5, 0, .5], [.8, .9, .5, 0]]), checks=False).tolist()
    cases.append({"name": "entry", "distances": [repr(x) for x in D], "thresholds": [0.7], "partitions": partitions(D, 4, [0.7])})
    block_rng = np.random.default_rng(20261204)   # its own generator: the cases above and below stay as they were
    for n, k in [(30, 3), (60, 5), (120, 8), (200, 12)]:
        D = blocks(block_rng, n, k)
        cases.append({"name": "blocks%d" % n, "distances": [repr(x) for x in D], "thresholds": [0.3, 0.5, 0.7],
                      "partitions": partitions(D, n, [0.3, 0.5, 0.7])})
    for c in cases:
        n = int(round((1 + (1 + 8 * len(c["distances"])) ** 0.5) / 2))
        c["cut_partitions"] = cut_partitions([float(x) for x in c["distances"]], n, c["thresholds"])
    with open(out + "/linkage.json", "w") as f:
        json.dump({"cases": cases}, f)

    import hdbscan
    import hdbscan.hdbscan_ as H
    class Stable(types.ModuleType):
        def __getattr__(self, name): return getattr(np, name)
        @staticmethod
        def argsort(a, axis=-1, kind=None, order=None): return np.argsort(a, axis=axis, kind="stable", order=order)
    H.np = Stable("np_stable")
    _, names, group_of, rows = grouped_rows(rng, 120, 90, 9, 8)
    M = squareform(np.asarray(condensed(rows, group_of, 9)))
    runs = []
    for ms, mcs in [(1, 2), (2, 3), (1, 5), (3, 4)]:
        c = hdbscan.HDBSCAN(metric="precomputed", min_samples=ms, min_cluster_size=mcs).fit(M)
        runs.append({"min_samples": ms, "min_cluster_size": mcs, "labels": c.labels_.astype(int).tolist(),
                     "probabilities": c.probabilities_.tolist(),
                     "outlier_scores": np.nan_to_num(c.outlier_scores_, nan=-1.0).tolist()})
    with open(out + "/hdbscan_groupjaccard.json", "w") as f:
        json.dump({"names": names, "rows": rows, "runs": runs}, f)

if __name__ == "__main__":
    main(sys.argv[1])
