#!/usr/bin/env python3
"""Makes the HDBSCAN fixtures of integer count matrices (the int-counts engine), numbers only:

    /tmp/cuckooml-oracle/bin/python scripts/make-count-fixtures.py

Writes Tests/CuckooMLTests/Fixtures/hdbscan/counts*.csv and counts*_ms*_mcs*.json in the format of that
folder's make_fixtures.py (its `oracle` function runs ../shared/oracle/hdbscan_oracle.py with
--tie-break stable). The matrices mimic the filtered 2016 `full` features: binary columns beside small
counts (a few up to 255), planted families, noise rows, and a fifth of the rows exact copies of others,
so core distances and mutual reachabilities tie often. Seeded: re-running gives identical files.
"""
import os, sys
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "Tests", "CuckooMLTests", "Fixtures", "hdbscan")
sys.path.insert(0, FIXTURES)
import make_fixtures as mf  # noqa: E402  (write_matrix, oracle)


def counts(rng, n, d, families, binary_fraction=0.5, dup_fraction=0.2, noise=0.1):
    binary = rng.random(d) < binary_fraction
    protos = np.where(binary, rng.random((families, d)) < 0.35,
                      rng.integers(0, 6, size=(families, d)) * (rng.random((families, d)) < 0.5))
    which = rng.integers(0, families, size=n)
    x = protos[which].astype(np.int64)
    # Perturb: flip some binary cells, move some counts by ±1..2 (never below 0).
    flips = (rng.random((n, d)) < 0.04) & binary
    x[flips] = 1 - x[flips]
    moves = (rng.random((n, d)) < 0.15) & ~binary
    x[moves] = np.maximum(0, x[moves] + rng.integers(-2, 3, size=moves.sum()))
    k = int(n * noise)
    x[:k] = np.where(binary, rng.random((k, d)) < 0.3, rng.integers(0, 9, size=(k, d)))
    # A few large counts, up to the range's end.
    big = rng.random((n, d)) < 0.005
    x[big & ~binary] = rng.integers(100, 256, size=(big & ~binary).sum())
    x[0, 0] = 255
    m = int(n * dup_fraction)
    x[rng.choice(n, size=m, replace=False)] = x[rng.integers(0, n, size=m)]
    rng.shuffle(x)
    return x


def main():
    rng = np.random.default_rng(20161205)
    mf.write_matrix("counts300", counts(rng, 300, 40, 6))
    mf.write_matrix("counts1200", counts(rng, 1200, 96, 12))
    mf.oracle("counts300_ms1_mcs6", "counts300", 1, 6, trees=True)
    mf.oracle("counts300_ms4_mcs5", "counts300", 4, 5, trees=True)
    mf.oracle("counts300_ms2_mcs4_manhattan", "counts300", 2, 4, metric="manhattan", trees=True)
    mf.oracle("counts300_ms3_mcs5_manhattan_leaf", "counts300", 3, 5, metric="manhattan", selection="leaf")
    mf.oracle("counts1200_ms1_mcs6", "counts1200", 1, 6)
    mf.oracle("counts1200_ms5_mcs10_manhattan", "counts1200", 5, 10, metric="manhattan")


if __name__ == "__main__":
    main()
