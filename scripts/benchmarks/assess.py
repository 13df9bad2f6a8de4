"""Python side of scripts/bench assess: generate the data, or time scikit-learn on it."""
import resource, sys, time
import numpy as np


def generate(path, n, d, metric, seed=7):
    rng = np.random.default_rng(seed)
    families = rng.integers(0, max(2, n // 20), n)
    prototypes = rng.random((families.max() + 1, d)) < 0.05
    with open(path, "w") as f:
        f.write(f"{n} {d} {metric}\n")
        for i in range(n):
            row = prototypes[families[i]] ^ (rng.random(d) < 0.01)
            cluster = families[i] if rng.random() > 0.15 else -1
            f.write(f"{families[i]} {cluster} " + " ".join(map(str, np.flatnonzero(row))) + "\n")


def time_assessment(truth, pred, rows, metric):
    """Times what `assess` computes (the external metrics, then the silhouette of `rows()` under
    `metric`) and prints the line the driver reads. `rows` is called inside the timing, as the
    jaccard case's densifying is part of scikit-learn's cost."""
    from sklearn import metrics
    start = time.perf_counter()
    ari = metrics.adjusted_rand_score(truth, pred)
    ami = metrics.adjusted_mutual_info_score(truth, pred, average_method="max")
    metrics.adjusted_mutual_info_score(truth, pred)
    h, c, v = metrics.homogeneity_completeness_v_measure(truth, pred)
    metrics.fowlkes_mallows_score(truth, pred)
    sil = metrics.silhouette_score(rows(), pred, metric=metric)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"python seconds {seconds} ari {ari} ami_max {ami} v {v} silhouette {sil} peak_kb {peak}")


def run_svmlight(path, clusters_path):
    """A session's exported 2016 features (counts) and HDBSCAN clusters, euclidean, dense as numpy."""
    import csv
    from sklearn.datasets import load_svmlight_file
    X, y = load_svmlight_file(path)
    X = X.toarray()
    truth = y.astype(int)
    with open(clusters_path) as f:
        pred = np.array([int(row["label"]) for row in csv.DictReader(f)])
    time_assessment(truth, pred, lambda: X, "euclidean")


def run(path):
    from scipy import sparse
    lines = open(path).read().split("\n")
    n, d, metric = lines[0].split()
    n, d = int(n), int(d)
    truth, pred, rows, cols = [], [], [], []
    for i, line in enumerate(lines[1:n + 1]):
        w = line.split()
        truth.append(int(w[0])); pred.append(int(w[1]))
        for c in w[2:]:
            rows.append(i); cols.append(int(c))
    X = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, d))
    time_assessment(truth, pred, lambda: X.toarray() > 0 if metric == "jaccard" else X, metric)


if __name__ == "__main__":
    if sys.argv[1] == "generate":
        generate(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    elif sys.argv[1] == "svmlight":
        run_svmlight(sys.argv[2], sys.argv[3])
    else:
        run(sys.argv[2])
