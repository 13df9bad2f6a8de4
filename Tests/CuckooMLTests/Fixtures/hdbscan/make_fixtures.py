#!/usr/bin/env python3
"""Regenerates the HDBSCAN / DBSCAN fixtures (numbers only) with the reference libraries.

    /tmp/oracle/bin/python Tests/CuckooMLTests/Fixtures/hdbscan/make_fixtures.py

Matrices come from a seeded numpy generator; each case runs ../shared/oracle/hdbscan_oracle.py with
--tie-break stable (hdbscan 0.8.44), DBSCAN cases run scikit-learn's DBSCAN directly. Outputs are
trimmed to what the tests compare. Re-running gives byte-identical files.
"""
import json, os, subprocess, sys, tempfile
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLE = os.path.join(HERE, "../../../../../../shared/oracle/hdbscan_oracle.py")
if not os.path.exists(ORACLE):
    ORACLE = "/work/shared/oracle/hdbscan_oracle.py"


def blobs(rng, n, d, centers, spread, box=20.0, noise=0.1):
    c = rng.uniform(-box, box, size=(centers, d))
    k = int(n * (1 - noise))
    which = rng.integers(0, centers, size=k)
    pts = c[which] + rng.normal(0, spread, size=(k, d))
    out = np.vstack([pts, rng.uniform(-box * 1.2, box * 1.2, size=(n - k, d))])
    rng.shuffle(out)
    return np.round(out, 4)  # short decimals: the CSV text is exact for both sides


def binary(rng, n, d, centers, flip, dup_fraction=0.0):
    protos = rng.random((centers, d)) < 0.3
    which = rng.integers(0, centers, size=n)
    x = protos[which] ^ (rng.random((n, d)) < flip)
    x[: n // 10] = rng.random((n // 10, d)) < 0.3  # noise rows
    if dup_fraction:
        k = int(n * dup_fraction)
        src = rng.integers(0, n, size=k)
        dst = rng.choice(n, size=k, replace=False)
        x[dst] = x[src]
    rng.shuffle(x)
    return x.astype(np.int64)


def write_nonfinite():
    """dense60 with a NaN row and an infinite row inserted (the library leaves them out as noise)."""
    lines = open(os.path.join(HERE, "dense60.csv")).read().splitlines()
    with open(os.path.join(HERE, "dense60_nonfinite.csv"), "w") as f:
        f.write("\n".join(lines[:3] + ["nan,1.0,2.0", "inf,0.0,0.0"] + lines[3:]) + "\n")


def write_matrix(name, x):
    path = os.path.join(HERE, name + ".csv")
    with open(path, "w") as f:
        f.write(",".join(f"f{j}" for j in range(x.shape[1])) + "\n")
        for row in x:
            f.write(",".join(repr(float(v)) if x.dtype.kind == "f" else str(int(v)) for v in row) + "\n")
    return path


def oracle(case, data, ms, mcs, metric="euclidean", selection="eom", eps=0.0, single=False,
           trees=False, predict=None, dedup=False, alpha=1.0):
    with tempfile.TemporaryDirectory() as t:
        out = os.path.join(t, "o.json")
        cmd = [sys.executable, ORACLE, os.path.join(HERE, data + ".csv"), "-o", out, "--tie-break", "stable",
               "--min-samples", str(ms), "--min-cluster-size", str(mcs), "--metric", metric,
               "--cluster-selection-method", selection, "--cluster-selection-epsilon", repr(eps),
               "--alpha", repr(alpha)]
        if single: cmd.append("--allow-single-cluster")
        if trees: cmd.append("--dump-trees")
        if dedup: cmd.append("--dedup")
        if predict: cmd += ["--predict", os.path.join(HERE, predict + ".csv")]
        subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)
        r = json.load(open(out))
    keep = {"case": case, "data": data, "min_samples": ms, "min_cluster_size": mcs, "metric": metric,
            "selection": selection, "epsilon": eps, "allow_single_cluster": single, "dedup": dedup,
            "alpha": alpha}
    for k in ("labels", "probabilities", "outlier_scores", "cluster_persistence"):
        keep[k] = r[k]
    if trees:
        for k in ("condensed_tree", "single_linkage_tree", "mst_edges_prim_order", "core_distances",
                  "selected_condensed_node_ids"):
            keep[k] = r[k]
    if predict:
        keep["predict_data"] = predict
        keep["predict"] = {k: r["predict"][k] for k in ("labels", "probabilities", "outlier_scores")}
    with open(os.path.join(HERE, case + ".json"), "w") as f:
        json.dump(keep, f, separators=(",", ":"))


def dbscan(case, data, eps, ms, metric):
    from sklearn.cluster import DBSCAN
    x = np.loadtxt(os.path.join(HERE, data + ".csv"), delimiter=",", skiprows=1)
    m = DBSCAN(eps=eps, min_samples=ms, metric=metric).fit(x)
    core = np.zeros(len(x), dtype=bool)
    core[m.core_sample_indices_] = True
    with open(os.path.join(HERE, case + ".json"), "w") as f:
        json.dump({"case": case, "data": data, "eps": eps, "min_samples": ms, "metric": metric,
                   "labels": m.labels_.tolist(), "is_core": core.tolist()}, f, separators=(",", ":"))


def main():
    rng = np.random.default_rng(20160801)
    write_matrix("tiny10", blobs(rng, 10, 2, 2, 0.5, box=5, noise=0.2))
    write_matrix("dense60", blobs(rng, 60, 3, 3, 1.0))
    write_matrix("dense300", blobs(rng, 300, 5, 5, 1.5))
    write_matrix("dense300_new", blobs(rng, 40, 5, 5, 2.0))
    write_matrix("single80", np.round(rng.normal(0, 1, size=(80, 2)), 4))
    d = np.round(rng.normal(0, 1, size=(30, 2)), 1)  # coarse grid: exact duplicates and ties
    write_matrix("dups30", d)
    write_matrix("binary200", binary(rng, 200, 32, 6, 0.05, dup_fraction=0.2))
    write_matrix("binary200_new", binary(rng, 30, 32, 6, 0.08))
    write_matrix("binary1500", binary(rng, 1500, 64, 15, 0.04, dup_fraction=0.1))
    write_matrix("dense5000", blobs(rng, 5000, 4, 12, 1.2, box=30))
    write_nonfinite()

    oracle("tiny10_ms1_mcs2", "tiny10", 1, 2, trees=True)
    oracle("tiny10_ms3_mcs3_leaf", "tiny10", 3, 3, selection="leaf", trees=True)
    for ms in (1, 2, 3, 4, 5):
        oracle(f"dense60_ms{ms}_mcs5", "dense60", ms, 5, trees=True)
    oracle("dense60_ms2_mcs4_manhattan", "dense60", 2, 4, metric="manhattan", trees=True)
    oracle("dense60_ms1_mcs3_leaf", "dense60", 1, 3, selection="leaf", trees=True)
    oracle("dense60_ms2_mcs5_eps3", "dense60", 2, 5, eps=3.0, trees=True)
    oracle("dense60_ms2_mcs3_leaf_eps1", "dense60", 2, 3, selection="leaf", eps=1.0)
    oracle("dense300_ms1_mcs6", "dense300", 1, 6, predict="dense300_new")
    oracle("dense300_ms5_mcs5", "dense300", 5, 5, predict="dense300_new")
    oracle("dense300_ms3_mcs10_leaf", "dense300", 3, 10, selection="leaf")
    oracle("dense300_ms4_mcs8_manhattan_eps2", "dense300", 4, 8, metric="manhattan", eps=2.0)
    oracle("single80_ms5_mcs10", "single80", 5, 10)
    oracle("single80_ms5_mcs10_single", "single80", 5, 10, single=True, trees=True)
    oracle("single80_ms3_mcs5_single_eps05", "single80", 3, 5, single=True, eps=0.5)
    oracle("dups30_ms1_mcs3", "dups30", 1, 3, trees=True)
    oracle("dups30_ms2_mcs3", "dups30", 2, 3, trees=True)
    oracle("dups30_ms1_mcs3_dedup", "dups30", 1, 3, dedup=True)
    oracle("binary200_ms1_mcs6_jaccard", "binary200", 1, 6, metric="jaccard", trees=True, predict="binary200_new")
    oracle("binary200_ms3_mcs5_hamming", "binary200", 3, 5, metric="hamming", predict="binary200_new")
    oracle("binary200_ms2_mcs5_euclidean", "binary200", 2, 5)
    oracle("binary200_ms4_mcs4_jaccard_leaf", "binary200", 4, 4, metric="jaccard", selection="leaf")
    oracle("binary200_ms1_mcs6_hamming_dedup", "binary200", 1, 6, metric="hamming", dedup=True)
    oracle("binary1500_ms1_mcs6_jaccard", "binary1500", 1, 6, metric="jaccard")
    oracle("binary1500_ms5_mcs5_hamming", "binary1500", 5, 5, metric="hamming")
    oracle("dense60_ms3_mcs5_alpha07", "dense60", 3, 5, alpha=0.7, trees=True)
    oracle("binary200_ms2_mcs4_jaccard_alpha13", "binary200", 2, 4, metric="jaccard", alpha=1.3)
    oracle("dense60_nonfinite_ms2_mcs5", "dense60_nonfinite", 2, 5)
    oracle("dense60_ms2_mcs5_cosine", "dense60", 2, 5, metric="cosine")
    oracle("binary200_ms2_mcs5_cosine", "binary200", 2, 5, metric="cosine")
    oracle("dense5000_ms1_mcs6", "dense5000", 1, 6)
    oracle("dense5000_ms5_mcs10", "dense5000", 5, 10)

    dbscan("dbscan_dense60_eps15_ms4", "dense60", 1.5, 4, "euclidean")
    dbscan("dbscan_dense300_eps5_ms5_manhattan", "dense300", 5.0, 5, "manhattan")
    dbscan("dbscan_binary200_eps03_ms3_jaccard", "binary200", 0.3, 3, "jaccard")
    dbscan("dbscan_binary200_eps0125_ms4_hamming", "binary200", 0.125, 4, "hamming")


if __name__ == "__main__":
    main()
