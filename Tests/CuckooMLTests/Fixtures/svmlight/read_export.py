"""Reads a cuckooml svmlight export the way the tools that use it do, and prints what they see as JSON.

    /tmp/cuckooml-oracle/bin/python read_export.py FILE.svmlight > FILE_read.json

- scikit-learn: `load_svmlight_file(FILE)` with its defaults (zero_based="auto" must find 1-based indices),
  then again with n_features from the FILE.features sidecar; the matrix is written dense.
- Apache Spark's `libsvm` data source (no Spark here): its parsing rules, as in MLUtils.parseLibSVMRecord
  and LibSVMFileFormat: lines trimmed, empty ones and those starting with '#' skipped, words split on
  ' ', the first a double label, each other 'index:value' with index an integer >= 1, strictly ascending.
"""
import json
import sys

from sklearn.datasets import load_svmlight_file

path = sys.argv[1]
with open(path + ".features", encoding="utf-8") as f:
    names = [line.rstrip("\n") for line in f]
X, y = load_svmlight_file(path)
X2, y2 = load_svmlight_file(path, n_features=len(names), zero_based=False)
assert (X2 != X).nnz == 0 if X.shape == X2.shape else X.shape[1] <= X2.shape[1]

spark_rows = []
with open(path, encoding="utf-8") as f:
    for line in f:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        items = line.split(" ")
        label = float(items[0])
        previous = 0
        row = []
        for item in items[1:]:
            if not item:
                continue
            index, value = item.split(":")
            index = int(index)
            assert index > previous, "indices must be one-based and in ascending order"
            previous = index
            row.append([index - 1, float(value)])
        spark_rows.append({"label": label, "features": row})

with open(path + ".samples", encoding="utf-8") as f:
    header = f.readline().rstrip("\n").split("\t")
    samples = [line.rstrip("\n").split("\t") for line in f]

json.dump({
    "sklearn_shape": list(X2.shape),
    "sklearn_auto_columns": X.shape[1],
    "sklearn_y": y2.tolist(),
    "sklearn_X": X2.toarray().tolist(),
    "spark_rows": spark_rows,
    "feature_names": names,
    "samples_header": header,
    "samples": samples,
}, sys.stdout, indent=1, ensure_ascii=False)
print()
