"""The map benchmark (run by scripts/bench map): cuckooml's `plot map` against scikit-learn's t-SNE.

Data: d = 256 binary features, 30 planted families (centre density 0.15, each row flips 3% of its
centre's bits, so rows hardly repeat), 10% random noise rows. cuckooml clusters them once
(`cluster hdbscan 5 25`, saved as a session), then a second process opens the session and draws the map:
its time is read from when each command's JSON line appears, its peak RSS from /usr/bin/time.
Separation: on up to 3 000 sampled family members, the mean 2-D distance between different planted
families over the mean within one, and the share of points whose 10 nearest map neighbours are all of
their own family.
"""
import argparse, csv, os, subprocess, sys, tempfile, time

import numpy as np

from cluster import peak_mb  # this process's peak RSS (VmHWM), in MB

D, FAMILIES, FLIP, DENSITY = 256, 30, 0.03, 0.15


def generate(n, seed):
    rng = np.random.default_rng(seed)
    noise = n // 10
    centres = rng.random((FAMILIES, D)) < DENSITY
    truth = np.full(n, -1)
    truth[noise:] = rng.integers(0, FAMILIES, n - noise)
    X = np.empty((n, D), dtype=np.uint8)
    X[:noise] = rng.random((noise, D)) < DENSITY
    X[noise:] = centres[truth[noise:]] ^ (rng.random((n - noise, D)) < FLIP)
    order = rng.permutation(n)
    return X[order], truth[order]


def write_csv(path, X, truth):
    rows = X.astype(str)
    with open(path, "w") as f:
        f.write("id," + ",".join(f"f{j}" for j in range(D)) + ",family\n")
        for i in range(len(X)):
            f.write(f"s{i}," + ",".join(rows[i]) + f",fam{truth[i]}\n")


def run_timed(binary, script):
    """Runs cuckooml --json -c SCRIPT; returns (seconds per result line, total wall, user+sys CPU, peak MB)."""
    start = time.perf_counter()
    p = subprocess.Popen(["/usr/bin/time", "-f", "%U %S %M", binary, "--json", "-c", script],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stamps, lines = [], []
    for line in p.stdout:
        stamps.append(time.perf_counter())
        lines.append(line)
    err = p.stderr.read()
    if p.wait() != 0:
        raise SystemExit(f"cuckooml failed: {err.strip()[-400:]}")
    user, system, peak_kb = err.strip().splitlines()[-1].split()
    steps = [b - a for a, b in zip([start] + stamps[:-1], stamps)]
    return steps, time.perf_counter() - start, float(user) + float(system), int(peak_kb) / 1024, lines


def separation(xy, truth, seed):
    rng = np.random.default_rng(seed)
    members = np.flatnonzero(truth >= 0)
    pick = rng.choice(members, size=min(3000, len(members)), replace=False)
    p, t = xy[pick], truth[pick]
    dist = np.sqrt(((p[:, None, :] - p[None, :, :]) ** 2).sum(-1))
    same = t[:, None] == t[None, :]
    iu = np.triu_indices(len(t), 1)
    within, between = dist[iu][same[iu]].mean(), dist[iu][~same[iu]].mean()
    from sklearn.neighbors import NearestNeighbors
    m = xy[members]
    nn = NearestNeighbors(n_neighbors=11).fit(m).kneighbors(m, return_distance=False)[:, 1:]
    pure = (truth[members][nn] == truth[members][:, None]).all(1).mean()
    return between / within, pure


def tsne_child(x_path, out_path):
    """One scikit-learn t-SNE fit in this process (Barnes-Hut, its defaults: perplexity 30, PCA start)."""
    from sklearn.manifold import TSNE
    X = np.load(x_path).astype(np.float64)
    t0 = time.perf_counter()
    Y = TSNE(n_components=2, random_state=0, n_jobs=2).fit_transform(X)
    seconds = time.perf_counter() - t0
    np.save(out_path, Y)
    print(f"{seconds} {peak_mb()}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary")
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--tsne-max", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=2016)
    ap.add_argument("--tsne-child", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.tsne_child:
        return tsne_child(*a.tsne_child)
    tmp = tempfile.mkdtemp(prefix="bench-map-")
    print(f"data: d={D} binary, {FAMILIES} planted families, {FLIP:.0%} flips per row, 10% noise; files in {tmp}")
    header = (f"{'n':>7} {'program':<16} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} {'session MB':>10} "
              f"{'SVG MB':>7} {'between/within':>14} {'10-NN pure':>10}  notes")
    print(header)
    print("-" * len(header))
    for n in [int(s) for s in a.sizes.split(",")]:
        X, truth = generate(n, a.seed + n)
        base = os.path.join(tmp, f"map_{n}")
        write_csv(base + ".csv", X, truth)
        setup, _, _, _, lines = run_timed(a.binary, f"import matrix {base}.csv label=family; cluster hdbscan 5 25; session save {base}.cml")
        clusters = lines[1].split('"clusters":')[1].split(",")[0] if len(lines) > 1 else "?"
        _, _, session_cpu, session_mb, _ = run_timed(a.binary, f"session open {base}.cml")
        steps, _, cpu, peak, _ = run_timed(a.binary, f"session open {base}.cml; plot map {base}.svg")
        run_timed(a.binary, f"session open {base}.cml; export map {base}.csv.map")
        svg_mb = os.path.getsize(base + ".svg") / 1e6
        rows = list(csv.reader(open(base + ".csv.map")))[1:]
        order = np.array([int(r[0][1:]) for r in rows])
        xy = np.empty((n, 2))
        xy[order] = np.array([[float(r[1]), float(r[2])] for r in rows])
        ratio, pure = separation(xy, truth, a.seed)
        note = f"clustering {setup[1]:.1f}s beforehand ({clusters} clusters)"
        if n <= 20000:
            _, _, _, _, _ = run_timed(a.binary, f"set threads 1; session open {base}.cml; export map {base}.t1.csv")
            same = open(base + ".t1.csv").read() == open(base + ".csv.map").read()
            note += f"; threads 1 vs 2 {'identical' if same else 'DIFFER'}"
        print(f"{n:>7} {'cuckooml':<16} {steps[1]:>8.2f} {cpu - session_cpu:>8.2f} {peak:>8.0f} {session_mb:>10.0f} "
              f"{svg_mb:>7.2f} {ratio:>14.1f} {pure:>10.3f}  {note}", flush=True)
        if n <= a.tsne_max:
            np.save(base + ".npy", X)
            t0 = time.perf_counter()
            p = subprocess.run([sys.executable, __file__, "--tsne-child", base + ".npy", base + ".tsne.npy"],
                               capture_output=True, text=True)
            if p.returncode != 0:
                print(f"{n:>7} {'sklearn t-SNE':<16} failed: {p.stderr.strip()[-200:]}")
                continue
            seconds, tsne_peak = map(float, p.stdout.split())
            ratio_t, pure_t = separation(np.load(base + ".tsne.npy"), truth, a.seed)
            print(f"{n:>7} {'sklearn t-SNE':<16} {seconds:>8.2f} {'':>8} {tsne_peak:>8.0f} {'':>10} {'':>7} "
                  f"{ratio_t:>14.1f} {pure_t:>10.3f}  fit only; cuckooml map is {seconds / steps[1]:.1f}x faster", flush=True)
        else:
            print(f"{n:>7} {'sklearn t-SNE':<16} skipped (above --tsne-max {a.tsne_max})")
    print("wall s: from 'session open' finishing to 'plot map' finishing (layout and SVG); cpu s: user+sys of that "
          "process minus a 'session open' alone; peak MB: that process; session MB: 'session open' alone")


if __name__ == "__main__":
    main()
