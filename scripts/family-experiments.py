#!/usr/bin/env python3
"""Changes to the family pipeline measured on the real reports, their halves and sample_data (the
numbers in docs/family-quality.md). Run with the oracle Python after building cuckooml:

    /tmp/cuckooml-oracle/bin/python scripts/family-experiments.py [--cuckooml PATH] [--shared DIR]

(ONLY=TEXT in the environment runs the baseline and the variants whose name contains TEXT.)

cuckooml exports the family features (`load DIR; export features X.svmlight`) of the 94 real reports
in DIR/data/cuckoo-reports and of sample_data/reports. This script then computes the group-weighted
Jaccard distance from its definition and scipy's complete linkage cut at t (singletons are noise), and
scores the clustering as `labels ignore=none; assess` does: V-measure and ARI over the samples whose
label is not `none`, noise kept as one cluster (-1); noise is the share of all samples left alone.
The baseline reproduces the shell's own `assess` figures.

Each variant is scored on all 94 reports, on each half split by the parity of the sample's md5 (a
half's features keep the tokens seen in 2 of its own samples, as `load HALF` builds them) and on
sample_data (labels: the session's own, from `export features`). A change is worth making only if it
helps or is neutral on both halves and on sample_data, not just on the 94 it was tried on.
"""
import argparse, collections, json, math, os, re, subprocess, sys, tempfile
import numpy as np
from scipy.cluster.hierarchy import linkage, fcluster
from scipy.spatial.distance import squareform
from sklearn.metrics import adjusted_rand_score, v_measure_score

DYNAMIC = {"alert", "api", "mutex", "loaded", "path", "key", "cmd", "proc", "domain", "ip", "http", "wmi"}


def group(name):
    return name.split(":")[1]


class Data:
    """One exported feature space: feature names, sample names, rows (sets of columns), labels and, per
    sample, its file type and the program that ran it (None when the sample ran as itself)."""

    def column(self, name):
        if name not in self.index:
            self.index[name] = len(self.names)
            self.names.append(name)
        return self.index[name]

    def __init__(self, prefix, reports, labels=None):
        self.names = [l.rstrip("\n") for l in open(prefix + ".features", encoding="utf-8")]
        lines = [l.rstrip("\n").split("\t") for l in open(prefix + ".samples", encoding="utf-8")][1:]
        self.samples = [p[0] for p in lines]
        self.labels = labels or {p[0]: p[2] for p in lines}
        self.index = {n: i for i, n in enumerate(self.names)}
        self.rows = []
        for l in open(prefix, encoding="utf-8"):
            if not l.startswith("#"):
                self.rows.append({int(p.split(":")[0]) - 1 for p in l.split()[1:]})
        self.md5, self.type, self.host = {}, {}, {}
        self.base = len(self.names)  # columns past this are groups read here, not by cuckooml
        self.extra = {"strings": [], "dropped": []}
        for s in self.samples:
            r = json.load(open(os.path.join(reports, s + ".json"), encoding="utf-8"))
            for kind, tokens in report_groups(r).items():
                self.extra[kind].append({self.column(":%s:%s" % (kind, t)) for t in tokens})
            f = r.get("target", {}).get("file", {})
            self.md5[s] = f.get("md5", "")
            self.type[s] = " ".join(f.get("type", "").split()[:3])
            own = {f.get(k, "").lower() for k in ("md5", "sha1", "sha256", "name")} - {""}
            own |= {x.rsplit(".", 1)[0] for x in own}
            procs = [p for p in r.get("behavior", {}).get("processes", []) if p.get("track", True)]
            first = (procs[0].get("process_name") or "").lower() if procs else ""
            self.host[s] = None if not first or first.rsplit(".", 1)[0] in own else first


def report_groups(report):
    """Two groups cuckooml does not build, read from the report: `strings` (the target's printable
    strings of 8-200 characters) and `dropped` (each dropped file's type and name, without the 16-hex
    prefix Cuckoo gives it), both normalised as the family tokens are (lowercase, long hex runs and
    digit runs replaced)."""
    def norm(text):
        return re.sub(r"\d+", "0", re.sub(r"[0-9a-f]{16,}", "<hex>", text.lower()))
    strings = {norm(x) for x in report.get("strings") or [] if isinstance(x, str) and 8 <= len(x) <= 200}
    dropped = set()
    for f in report.get("dropped") or []:
        name = f.get("name") or ""
        dropped.add("type:" + " ".join((f.get("type") or "").split()[:3]).lower())
        dropped.add("name:" + norm(name.split("_", 1)[1] if re.match(r"[0-9a-f]{16}_", name) else name))
    return {"strings": strings, "dropped": dropped}


def with_report_groups(kinds, t=0.7, idf=False):
    """The rows with groups read from the reports (`report_groups`) added, their tokens kept when seen in
    2 of the part's samples, then the baseline (or the idf-weighted distance) cut at t."""
    def run(d, idx, rows, cols):
        extra = [set().union(*(d.extra[k][i] for k in kinds)) for i in idx]
        count = collections.Counter(c for e in extra for c in e)
        usable = {c for c in cols if c < d.base} | {c for c, k in count.items() if k >= 2}
        per = per_group([r | e for r, e in zip(rows, extra)], d.names, usable)
        return idf_weighted(per, t, 1) if idf else cut(distances(per), t)
    return run


def parts(data):
    """(name, sample indices, usable columns) for all samples and each md5-parity half."""
    out = []
    for name, keep in (("all", lambda s: True), ("even", lambda s: int(data.md5[s], 16) % 2 == 0),
                       ("odd", lambda s: int(data.md5[s], 16) % 2 == 1)):
        idx = [i for i, s in enumerate(data.samples) if keep(s)]
        count = collections.Counter(c for i in idx for c in data.rows[i])
        out.append((name, idx, {c for c, k in count.items() if k >= 2}))
    return out


def per_group(rows, names, cols):
    per = []
    for r in rows:
        g = collections.defaultdict(set)
        for c in r:
            if c in cols:
                g[group(names[c])].add(c)
        per.append(g)
    return per


def distances(per, weight=lambda g, a, b: 1.0, one_sided=1.0, both_only=False):
    """Group-weighted Jaccard: 1 - (sum of w * |a & b| / |a | b|) / (sum of w) over the groups non-empty in
    either sample, w = 1 in cuckooml; a group empty in one of them counts `one_sided` * w (1 in cuckooml)."""
    n = len(per)
    D = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            s = votes = 0.0
            for g in per[i].keys() | per[j].keys():
                a, b = per[i].get(g, set()), per[j].get(g, set())
                w = weight(g, a, b)
                if not a or not b:
                    if not both_only:
                        votes += one_sided * w
                    continue
                s += w * len(a & b) / len(a | b)
                votes += w
            D[i, j] = D[j, i] = 0.0 if votes == 0 else max(0.0, 1 - s / votes)
    return D


def cut(D, t=0.7, method="complete"):
    if len(D) < 2:
        return [-1] * len(D)
    f = fcluster(linkage(squareform(D, checks=False), method=method), t, criterion="distance")
    size = collections.Counter(f)
    return [-1 if size[x] == 1 else int(x) for x in f]


def score(samples, labels, clusters):
    idx = [i for i, s in enumerate(samples) if labels[s] != "none"]
    truth = [labels[samples[i]] for i in idx]
    predicted = [clusters[i] for i in idx]
    return (v_measure_score(truth, predicted), adjusted_rand_score(truth, predicted),
            sum(1 for c in clusters if c == -1) / len(clusters))


def common_tokens(data, idx, rows, cols, key, minimum, groups):
    """Rows without the tokens (of `groups`) that every sample sharing a key holds, for keys held by
    at least `minimum` samples (key None: left alone)."""
    by = collections.defaultdict(list)
    for k, i in enumerate(idx):
        if key(data.samples[i]) is not None:
            by[key(data.samples[i])].append(k)
    out = [set(r) for r in rows]
    for members in by.values():
        if len(members) < minimum:
            continue
        count = collections.Counter(c for k in members for c in rows[k] if c in cols and group(data.names[c]) in groups)
        common = {c for c, m in count.items() if m == len(members)}
        for k in members:
            out[k] -= common
    return out


def background_weights(per):
    """1 - the mean Jaccard of the group over all pairs of samples that both hold it."""
    w = {}
    for g in {g for p in per for g in p}:
        holders = [p[g] for p in per if p.get(g)]
        pairs = [len(a & b) / len(a | b) for x, a in enumerate(holders) for b in holders[x + 1:]]
        w[g] = 1 - (sum(pairs) / len(pairs) if pairs else 0)
    return lambda g, a, b: w[g]


def chance_adjusted(per, t):
    """Each group's Jaccard adjusted for chance as ARI adjusts the Rand index, (J - E) / (1 - E) floored
    at 0, E the group's mean Jaccard over all pairs that both hold it; a group empty in one sample still
    counts 0. Cut at t."""
    expected = {}
    for g in {g for p in per for g in p}:
        holders = [p[g] for p in per if p.get(g)]
        pairs = [len(a & b) / len(a | b) for x, a in enumerate(holders) for b in holders[x + 1:]]
        expected[g] = sum(pairs) / len(pairs) if pairs else 0.0
    def similarity(g, a, b):
        if expected[g] >= 1:
            return 0.0
        return max(0.0, (len(a & b) / len(a | b) - expected[g]) / (1 - expected[g]))
    return cut(group_mean_distances(per, similarity), t)


def idf_weighted(per, t, smooth=0):
    """Each group's Jaccard with tokens weighted by rarity, idf = log((n + smooth) / df) over the samples of
    the part: sum of the shared tokens' idf over the sum of the union's (a group whose tokens all have
    idf 0 counts as no overlap). Cut at t."""
    df = collections.Counter(c for p in per for cs in p.values() for c in cs)
    idf = {c: math.log((len(per) + smooth) / k) for c, k in df.items()}
    def similarity(g, a, b):
        union = sum(idf[c] for c in a | b)
        return sum(idf[c] for c in a & b) / union if union > 0 else 0.0
    return cut(group_mean_distances(per, similarity), t)


def group_mean_distances(per, similarity):
    """1 - the mean over the groups non-empty in either sample of similarity(g, a, b), a group empty in
    one of them counting 0."""
    n = len(per)
    D = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            s = votes = 0.0
            for g in per[i].keys() | per[j].keys():
                a, b = per[i].get(g, set()), per[j].get(g, set())
                votes += 1
                if a and b:
                    s += similarity(g, a, b)
            D[i, j] = D[j, i] = 1 - s / votes
    return D


def group_upper_cut(data, idx, rows, cols, share):
    per = per_group(rows, data.names, cols)
    holders = collections.Counter(g for p in per for g in p)
    count = collections.Counter(c for r in rows for c in r if c in cols)
    return [{c for c in r if c in cols and count[c] <= share * holders[group(data.names[c])]} for r in rows]


def apart(kind):
    """The baseline with samples of different kinds (kind(data, sample)) at distance 1: a cannot-link
    constraint under complete linkage."""
    def run(d, idx, rows, cols):
        D = distances(per_group(rows, d.names, cols))
        k = [kind(d, d.samples[i]) for i in idx]
        for a in range(len(idx)):
            for b in range(len(idx)):
                if k[a] != k[b]:
                    D[a, b] = 1.0
        return cut(D)
    return run


# name -> function(data, idx, rows, cols) -> clusters. Rows are the part's rows; cols its usable columns.
def plain(t=0.7, method="complete", **kw):
    return lambda d, idx, rows, cols: cut(distances(per_group(rows, d.names, cols), **kw), t, method)


def with_rows(transform, **kw):
    return lambda d, idx, rows, cols: cut(distances(per_group(transform(d, idx, rows, cols), d.names, cols), **kw))


def without(prefixes):
    return with_rows(lambda d, idx, rows, cols: [{c for c in r if not d.names[c].startswith(prefixes)} for r in rows])


VARIANTS = [
    ("baseline: complete linkage cut at 0.7", plain()),
    ("average linkage cut at 0.7", plain(method="average")),
    ("a group empty in one sample: half a vote", plain(one_sided=0.5)),
    ("only groups non-empty in both samples", plain(both_only=True)),
    ("group weight log2(1 + |union|)", plain(weight=lambda g, a, b: math.log2(1 + len(a | b)))),
    ("group weight 1 / log2(1 + |union|)", plain(weight=lambda g, a, b: 1 / math.log2(1 + len(a | b)))),
    ("group weight 1 - mean pair Jaccard (background)",
     lambda d, idx, rows, cols: cut(distances(p := per_group(rows, d.names, cols), weight=background_weights(p)))),
    ("group Jaccard adjusted for chance, cut at 0.7",
     lambda d, idx, rows, cols: chance_adjusted(per_group(rows, d.names, cols), 0.7)),
    ("group Jaccard adjusted for chance, cut at 0.8",
     lambda d, idx, rows, cols: chance_adjusted(per_group(rows, d.names, cols), 0.8)),
    ("tokens weighted by idf log((n + 1) / df), cut at 0.7",
     lambda d, idx, rows, cols: idf_weighted(per_group(rows, d.names, cols), 0.7, 1)),
    ("tokens weighted by idf log((n + 1) / df), cut at 0.75",
     lambda d, idx, rows, cols: idf_weighted(per_group(rows, d.names, cols), 0.75, 1)),
    ("tokens weighted by idf log((n + 1) / df), cut at 0.8",
     lambda d, idx, rows, cols: idf_weighted(per_group(rows, d.names, cols), 0.8, 1)),
    ("per-group upper cut: tokens in > 90 % of the group's holders", with_rows(lambda d, i, r, c: group_upper_cut(d, i, r, c, 0.9))),
    ("host program: dynamic tokens all its >= 3 samples hold",
     with_rows(lambda d, i, r, c: common_tokens(d, i, r, c, lambda s: d.host[s], 3, DYNAMIC))),
    ("file type: tokens all its >= 3 samples hold",
     with_rows(lambda d, i, r, c: common_tokens(d, i, r, c, lambda s: d.type[s], 3, set(map(group, d.names))))),
    ("file type: tokens all its >= 5 samples hold",
     with_rows(lambda d, i, r, c: common_tokens(d, i, r, c, lambda s: d.type[s], 5, set(map(group, d.names))))),
    ("target split into a type group and a size group",
     lambda d, idx, rows, cols: cut(distances(per_group(rows, [n.replace(":target:", ":target", 1) for n in d.names], cols)))),
    ("without target:size", without((":target:size:",))),
    ("without section", without((":section:",))),
    ("without proc", without((":proc:",))),
    ("without library", without((":library:",))),
    ("+ strings (read from the reports)", with_report_groups(["strings"])),
    ("+ dropped files (read from the reports)", with_report_groups(["dropped"])),
    ("+ strings, idf-weighted, cut at 0.8", with_report_groups(["strings"], 0.8, True)),
    ("different file types never join (type: first 3 words)", apart(lambda d, s: d.type[s])),
    ("different file types never join (type: first word)", apart(lambda d, s: d.type[s].split(" ")[0])),
]


def export(cuckooml, reports, prefix):
    subprocess.run([cuckooml, "-c", f"load {reports}; export features {prefix}"], check=True, stdout=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    built = [os.path.join(root, ".build", d, "cuckooml") for d in ("debug", "x86_64-unknown-linux-gnu/debug", "release")]
    ap.add_argument("--cuckooml", default=next((b for b in built if os.access(b, os.X_OK)), "cuckooml"))
    ap.add_argument("--shared", default=os.path.join(root, "../shared"))
    args = ap.parse_args()
    real_reports = os.path.join(args.shared, "data/cuckoo-reports")
    sample_reports = os.path.join(root, "sample_data/reports")
    avclass = dict(l.split() for l in open(os.path.join(args.shared, "data/avclass-labels.tsv"), encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        export(args.cuckooml, real_reports, tmp + "/real.svmlight")
        export(args.cuckooml, sample_reports, tmp + "/sample.svmlight")
        real = Data(tmp + "/real.svmlight", real_reports, avclass)
        sample = Data(tmp + "/sample.svmlight", sample_reports)
    print("%-62s %-20s %-20s %-20s %-20s" % ("variant (V ARI noise)", "all 94", "even md5", "odd md5", "sample_data"))
    only = os.environ.get("ONLY")
    for name, run in VARIANTS:
        if only and not (name.startswith("baseline") or only in name):
            continue
        cells = []
        for part, idx, cols in parts(real):
            rows = [real.rows[i] for i in idx]
            cells.append(score([real.samples[i] for i in idx], avclass, run(real, idx, rows, cols)))
        every = list(range(len(sample.samples)))
        cells.append(score(sample.samples, sample.labels, run(sample, every, sample.rows, set(range(len(sample.names))))))
        print("%-62s %s" % (name, " ".join("%.3f %.3f %3.0f%%   " % (v, a, 100 * n) for v, a, n in cells)))
        sys.stdout.flush()
    campaign(real, avclass)


def campaign(data, labels):
    """The host-program variant on a day whose hosted documents are one campaign: the largest host's
    samples of its commonest family stay, its other samples go, and the campaign's members are compared
    before and after."""
    hosts = collections.Counter(h for h in data.host.values() if h)
    if not hosts:
        return
    host = hosts.most_common(1)[0][0]
    family = collections.Counter(labels[s] for s in data.samples if data.host[s] == host and labels[s] != "none").most_common(1)[0][0]
    idx = [i for i, s in enumerate(data.samples) if data.host[s] != host or labels[s] == family]
    count = collections.Counter(c for i in idx for c in data.rows[i])
    cols = {c for c, k in count.items() if k >= 2}
    rows = [data.rows[i] for i in idx]
    members = [k for k, i in enumerate(idx) if data.host[data.samples[i]] == host]
    for name, r in (("as is", rows), ("host tokens dropped", common_tokens(data, idx, rows, cols, lambda s: data.host[s], 3, DYNAMIC))):
        D = distances(per_group(r, data.names, cols))
        clusters = cut(D)
        print("only the %d %s samples run by %s, %s: largest distance between them %.3f, clusters %s, %d tokens each at most" % (
            len(members), family, host, name, max(D[a, b] for a in members for b in members),
            sorted(clusters[k] for k in members), max(len(r[k] & cols) for k in members)))


if __name__ == "__main__":
    main()
