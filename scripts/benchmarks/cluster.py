"""Side-by-side HDBSCAN benchmark: cuckooml vs the hdbscan library vs fast_hdbscan (run by scripts/bench cluster).

Every run fits min_samples=1, min_cluster_size=6, Euclidean (the 2016 project's call) on the same seeded
matrices: binary d=64 and d=512 (20 planted clusters, each made of a few exact row variants, so rows
repeat as malware features do, plus 10% random noise) and dense d=8 (20 Gaussian blobs plus 10% uniform
noise). The kinds binary64u and binary512u plant the same clusters but flip bits of every row on its own
(10% of bits at d=64, 4% at d=512), so rows hardly repeat — what an analyst clusters after `dedup`.
`--min-samples N` changes min_samples for every program. Times are wall-clock fit times for the Python libraries and the whole process (CSV import,
clustering, export) for cuckooml; peak RSS is each fit's own peak (VmHWM, reset before the fit).
"""
import argparse, json, os, subprocess, sys, tempfile, time

import numpy as np

MIN_SAMPLES, MIN_CLUSTER_SIZE = int(os.environ.get("BENCH_MIN_SAMPLES", "1")), 6
BUDGET_S = 300          # skip a library setting whose estimated time exceeds this
GENERIC_MAX_N = 20_000
UNIQUE_FLIPS = {"binary64u": 0.10, "binary512u": 0.04}  # per-bit flip chance of the non-repeating kinds  # 'generic' holds n×n doubles (and copies): out of memory at 50 000 here


def generate(kind, n, seed):
    rng = np.random.default_rng(seed)
    noise = n // 10
    truth = np.full(n, -1)
    truth[noise:] = rng.integers(0, 20, n - noise)
    if kind == "dense8":
        centres = rng.uniform(-50, 50, (20, 8))
        spread = rng.uniform(0.5, 2.0, 20)
        X = np.empty((n, 8))
        X[:noise] = rng.uniform(-60, 60, (noise, 8))
        idx = truth[noise:]
        X[noise:] = centres[idx] + rng.normal(size=(n - noise, 8)) * spread[idx, None]
    elif kind in UNIQUE_FLIPS:
        d = 64 if kind == "binary64u" else 512
        centres = rng.random((20, d)) < 0.3
        # Every row flips its own bits: duplicates are rare (the script prints how many rows are distinct).
        X = np.empty((n, d), dtype=np.float64)
        X[:noise] = rng.random((noise, d)) < 0.3
        idx = truth[noise:]
        X[noise:] = centres[idx] ^ (rng.random((n - noise, d)) < UNIQUE_FLIPS[kind])
    else:
        d = 64 if kind == "binary64" else 512
        centres = rng.random((20, d)) < 0.3
        # Each cluster is a handful of exact variants of its centre: rows repeat, as malware features do.
        variants = centres[:, None, :] ^ (rng.random((20, 25, d)) < 0.04)
        X = np.empty((n, d), dtype=np.float64)
        X[:noise] = rng.random((noise, d)) < 0.3
        idx = truth[noise:]
        X[noise:] = variants[idx, rng.integers(0, 25, n - noise)]
    order = rng.permutation(n)
    return X[order], truth[order]


def write_csv(path, X, binary):
    with open(path, "w") as f:
        f.write(",".join(f"f{j}" for j in range(X.shape[1])) + "\n")
        if binary:
            rows = X.astype(np.uint8).astype(str)
            f.write("\n".join(",".join(r) for r in rows) + "\n")
        else:
            f.write("\n".join(",".join(repr(float(v)) for v in r) for r in X) + "\n")


def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run_library(algorithm, x_path, out_path):
    """One fit of the hdbscan library in this process (stable MST tie-break, as the oracle's)."""
    import hdbscan
    import hdbscan.hdbscan_ as H
    sys.path.insert(0, os.path.join(os.environ["CUCKOOML_SHARED"], "oracle"))
    from hdbscan_oracle import _StableArgsortNumpy
    H.np = _StableArgsortNumpy()
    X = np.load(x_path)
    reset_peak()
    t0 = time.perf_counter()
    c = hdbscan.HDBSCAN(min_samples=MIN_SAMPLES, min_cluster_size=MIN_CLUSTER_SIZE, algorithm=algorithm).fit(X)
    seconds = time.perf_counter() - t0
    np.save(out_path, c.labels_.astype(np.int64))
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb()}))


def run_fast(jobs_path):
    """fast_hdbscan on every matrix in one process: its JIT compiles once (timed separately)."""
    import fast_hdbscan
    jobs = json.load(open(jobs_path))
    t0 = time.perf_counter()
    # Above 30 dimensions fast_hdbscan switches to pynndescent (approximate k-NN), a second JIT path:
    # warm up both on every width used, so no timed fit pays compilation.
    rng = np.random.default_rng(0)
    for width in sorted({np.load(job["x"], mmap_mode="r").shape[1] for job in jobs}):
        warm = (rng.random((2000, width)) < 0.3).astype(np.float64) if width > 30 else rng.random((2000, width))
        for _ in range(2):
            fast_hdbscan.HDBSCAN(min_samples=MIN_SAMPLES, min_cluster_size=MIN_CLUSTER_SIZE).fit(warm)
    results = {"jit_seconds": time.perf_counter() - t0}
    for job in jobs:
        X = np.load(job["x"])
        reset_peak()
        t0 = time.perf_counter()
        c = fast_hdbscan.HDBSCAN(min_samples=MIN_SAMPLES, min_cluster_size=MIN_CLUSTER_SIZE).fit(X)
        seconds = time.perf_counter() - t0
        np.save(job["out"], np.asarray(c.labels_, dtype=np.int64))
        results[job["x"]] = {"seconds": seconds, "peak_mb": peak_mb()}
        print(json.dumps({job["x"]: results[job["x"]]}), file=sys.stderr, flush=True)
    print(json.dumps(results))


def run_ours(binary, csv_path, out_csv, dedup=False):
    command = f"import matrix {csv_path}; cluster hdbscan {MIN_SAMPLES} {MIN_CLUSTER_SIZE}"
    command += (" dedup" if dedup else "") + f"; export clustering {out_csv}"
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", binary, "--json", "-c", command],
                       capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"cuckooml failed: {p.stderr.strip()[-400:]}")
    rss_kb = int(p.stderr.strip().splitlines()[-1])
    labels = np.loadtxt(out_csv, delimiter=",", skiprows=1, usecols=1, dtype=np.int64, ndmin=1)
    return {"seconds": seconds, "peak_mb": rss_kb / 1024}, labels


def run_import_only(binary, csv_path):
    """The same process start and CSV import without clustering: subtracted to estimate the fit alone."""
    t0 = time.perf_counter()
    subprocess.run([binary, "--json", "-c", f"import matrix {csv_path}"], capture_output=True, check=True)
    return time.perf_counter() - t0


def subprocess_json(args):
    p = subprocess.run([sys.executable, __file__] + args, capture_output=True, text=True)
    if p.returncode != 0:
        return None, p.stderr.strip().splitlines()[-1] if p.stderr.strip() else f"exit {p.returncode}"
    return json.loads(p.stdout.strip().splitlines()[-1]), None


def fmt_run(r):
    if r is None:
        return "—"
    if "skipped" in r:
        return r["skipped"]
    return f"{r['seconds']:8.2f}s {r['peak_mb']:7.0f}MB"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--quick", action="store_true", help="n = 1 000 and 5 000 only, no n = 100 000 row")
    ap.add_argument("--sizes", default=None, help="comma-separated n (default 1000,10000,50000)")
    ap.add_argument("--data", default="binary64,binary512,dense8")
    ap.add_argument("--no-fast", action="store_true", help="skip fast_hdbscan (its JIT takes ~60 s)")
    ap.add_argument("--no-big", action="store_true", help="skip the n = 100 000, d = 512 row")
    ap.add_argument("--big-data", default="binary512", help="data kind of the n = 100 000 row (binary512 or binary512u)")
    ap.add_argument("--seed", type=int, default=20160)
    ap.add_argument("--min-samples", type=int, default=None, help="min_samples for every program (default 1)")
    a = ap.parse_args()
    if a.min_samples is not None:
        global MIN_SAMPLES
        MIN_SAMPLES = a.min_samples
        os.environ["BENCH_MIN_SAMPLES"] = str(a.min_samples)  # the library and fast_hdbscan subprocesses
    from sklearn.metrics import adjusted_rand_score as ari
    sizes = [int(s) for s in a.sizes.split(",")] if a.sizes else ([1000, 5000] if a.quick else [1000, 10000, 50000])
    tmp = tempfile.mkdtemp(prefix="bench-cluster-")
    cases = []
    for kind in a.data.split(","):
        for n in sizes:
            X, truth = generate(kind, n, a.seed + n)
            base = os.path.join(tmp, f"{kind}_{n}")
            np.save(base + ".npy", X)
            write_csv(base + ".csv", X, kind != "dense8")
            cases.append((kind, n, base, truth))
            if kind != "dense8":
                distinct = np.unique(np.packbits(X.astype(bool), axis=1), axis=0).shape[0]
                print(f"{kind} n={n}: {distinct} distinct rows ({distinct / n:.1%})", flush=True)
    print(f"matrices in {tmp}; min_samples={MIN_SAMPLES} min_cluster_size={MIN_CLUSTER_SIZE} euclidean, seed {a.seed}",
          flush=True)

    fast = {}
    if not a.no_fast:
        jobs = [{"x": base + ".npy", "out": base + "_fast.npy"} for _, _, base, _ in cases]
        json.dump(jobs, open(os.path.join(tmp, "fast_jobs.json"), "w"))
        fast, err = subprocess_json(["--fast-jobs", os.path.join(tmp, "fast_jobs.json")])
        if fast is None:
            print(f"fast_hdbscan failed: {err}")
            fast = {}
        else:
            print(f"fast_hdbscan JIT warm-up: {fast['jit_seconds']:.1f}s (not counted below)", flush=True)

    print("cuckooml = clustering time (end-to-end process time minus an import-only run; end to end in "
          "brackets) and the process's peak RSS; library and fast_hdbscan = fit time and the fit's peak RSS")
    header = (f"{'data':9} {'n':>6} | {'cuckooml':>18} {'(e2e)':>8} | {'library best':>18} | {'library generic':>18} | "
              f"{'fast_hdbscan':>18} | {'×best':>6} {'×generic':>8} {'×fast':>6} {'RSS/generic':>11} | agreement")
    print(header)
    print("-" * len(header))
    last_best = {}
    dedup_rows = []
    for kind, n, base, truth in cases:
        ours, labels = run_ours(a.binary, base + ".csv", base + "_ours.csv")
        end_to_end = ours["seconds"]
        ours = {"seconds": max(1e-3, end_to_end - run_import_only(a.binary, base + ".csv")), "peak_mb": ours["peak_mb"]}
        lib = {}
        for algorithm in ("best", "generic"):
            est = None
            if algorithm == "generic" and n > GENERIC_MAX_N:
                lib[algorithm] = {"skipped": f"skipped (n×n: {n * n * 8 * 3 / 2**30:.0f} GB)"}
                continue
            if algorithm == "best" and kind in last_best:
                prev_n, prev_s = last_best[kind]
                est = prev_s * (n / prev_n) ** 2
                if est > BUDGET_S:
                    lib[algorithm] = {"skipped": f"skipped (est. {est / 60:.0f} min)"}
                    continue
            r, err = subprocess_json(["--library", algorithm, base + ".npy", base + f"_{algorithm}.npy"])
            lib[algorithm] = r if r else {"skipped": f"failed ({err[:30]})"}
            if r and algorithm == "best":
                last_best[kind] = (n, r["seconds"])
        fr = fast.get(base + ".npy")
        ratio = lambda r: f"{r['seconds'] / ours['seconds']:.1f}" if r and "seconds" in r else "—"
        rss = f"{ours['peak_mb'] / lib['generic']['peak_mb'] * 100:.1f}%" if "peak_mb" in lib["generic"] else "—"
        agreement = []
        if "seconds" in lib["generic"]:
            ref = np.load(base + "_generic.npy")
            agreement.append("labels == generic(stable)" if np.array_equal(ref, labels)
                             else f"ARI generic {ari(ref, labels):.4f} (NOT equal)")
        if "seconds" in lib["best"]:
            agreement.append(f"ARI best {ari(np.load(base + '_best.npy'), labels):.3f}")
        if fr:
            agreement.append(f"ARI fast {ari(np.load(base + '_fast.npy'), labels):.3f}")
        agreement.append(f"ARI truth {ari(truth, labels):.3f}")
        print(f"{kind:9} {n:>6} | {fmt_run(ours):>18} {f'({end_to_end:.2f}s)':>8} | {fmt_run(lib['best']):>18} | {fmt_run(lib['generic']):>18} | "
              f"{fmt_run(fr):>18} | {ratio(lib['best']):>6} {ratio(lib['generic']):>8} {ratio(fr):>6} {rss:>11} | "
              + "; ".join(agreement), flush=True)
        if kind in ("binary64", "binary512") and n >= 10_000:
            dd, dlabels = run_ours(a.binary, base + ".csv", base + "_dedup.csv", dedup=True)
            dedup_rows.append((kind, n, ari(truth, labels), ari(truth, dlabels), dd, len(np.unique(labels)) - 1,
                               len(np.unique(dlabels)) - 1))

    if dedup_rows:
        print("\ndedup (duplicate-heavy binary data; ARI against the planted clusters):")
        for kind, n, plain, dedup, dd, k0, k1 in dedup_rows:
            print(f"  {kind:9} {n:>6}: without dedup ARI {plain:.3f} ({k0} clusters)  "
                  f"with dedup ARI {dedup:.3f} ({k1} clusters, {dd['seconds']:.2f}s {dd['peak_mb']:.0f}MB)")

    if not (a.quick or a.no_big):
        X, truth = generate(a.big_data, 100_000, a.seed)
        base = os.path.join(tmp, f"{a.big_data}_100000")
        distinct = np.unique(np.packbits(X.astype(bool), axis=1), axis=0).shape[0]
        write_csv(base + ".csv", X, True)
        del X
        ours, labels = run_ours(a.binary, base + ".csv", base + "_ours.csv")
        print(f"\ncuckooml alone, {a.big_data} ({distinct} distinct rows), n=100000: {ours['seconds']:.1f}s end to end, "
              f"peak RSS {ours['peak_mb']:.0f}MB, {len(np.unique(labels)) - 1} clusters, "
              f"ARI truth {ari(truth, labels):.3f}")
    print(f"\n(matrices and labels kept in {tmp})")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--library":
        run_library(*sys.argv[2:5])
    elif len(sys.argv) > 1 and sys.argv[1] == "--fast-jobs":
        run_fast(sys.argv[2])
    else:
        main()
