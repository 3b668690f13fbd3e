#!/usr/bin/env python3
"""Reference values for Tests/SemanticsTests, computed with NumPy (and SciPy where installed).

    python3 Benchmarks/semantics_reference.py

Prints the numbers pasted into SemanticsReferenceTests.swift. The bootstrap reproduces the
Swift draws exactly: SplitMix64 (ExplicableCore.SeededGenerator), one derived generator per
replicate (Semantics.derivedGenerator) and annotator i = floor(x * m / 2^64); aggregation and
percentiles are NumPy's (np.percentile, default 'linear').
"""
import numpy as np

M64 = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & M64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & M64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)


def derived(seed, stream, index):
    g = SplitMix64(((seed ^ ((stream * 0xA0761D6478BD642F) & M64)) + index * 0xD1B54A32D192ED03) & M64)
    return SplitMix64(g.next())


# (annotator, row, column, value), 3 classes, scale 0...4. Annotator 6 rates all alike, 7 rates once.
RATINGS = [
    (0, 0, 1, 4), (0, 1, 0, 3), (0, 0, 2, 1), (0, 2, 1, 0),
    (1, 0, 1, 3), (1, 1, 2, 2), (1, 2, 0, 1),
    (2, 0, 1, 2), (2, 1, 0, 4), (2, 2, 1, 1), (2, 1, 2, 3),
    (3, 0, 2, 0), (3, 2, 0, 2), (3, 1, 0, 2),
    (4, 0, 1, 4), (4, 2, 1, 2), (4, 1, 2, 1), (4, 2, 0, 0),
    (5, 0, 2, 2), (5, 1, 0, 3), (5, 0, 1, 1),
    (6, 0, 1, 2), (6, 2, 1, 2), (6, 1, 2, 2),
    (7, 2, 0, 3),
]
N = 3
SCALE = (0.0, 4.0)


def aggregate(ratings, statistic, zscore, symmetrize, z_by_rating=None):
    a = np.array([r[0] for r in ratings]); rows = np.array([r[1] for r in ratings])
    cols = np.array([r[2] for r in ratings]); v = np.array([r[3] for r in ratings], dtype=float)
    if zscore:
        z = np.array(z_by_rating, dtype=float)
        v = np.clip(v.mean() + z * v.std(), *SCALE)
    out = np.full((N, N), np.nan)
    for i in range(N):
        for j in range(N):
            if i == j:
                out[i, j] = SCALE[1]
                continue
            cell = v[(rows == i) & (cols == j)]
            if len(cell):
                out[i, j] = cell.mean() if statistic == "mean" else np.median(cell)
    if symmetrize == "mean":
        for i in range(N):
            for j in range(i + 1, N):
                x, y = out[i, j], out[j, i]
                s = y if np.isnan(x) else x if np.isnan(y) else (x + y) / 2
                out[i, j] = out[j, i] = s
    return out


def annotator_z():
    z = []
    for (a, _, _, v) in RATINGS:
        own = np.array([r[3] for r in RATINGS if r[0] == a], dtype=float)
        sd = own.std()
        z.append(0.0 if len(own) < 2 or sd <= 1e-9 * 4 else (v - own.mean()) / sd)
    return z


def bootstrap(statistic, zscore, symmetrize, replicates, seed, confidence=0.95):
    members = sorted({r[0] for r in RATINGS})
    z = annotator_z()
    samples = []
    for rep in range(replicates):
        g = derived(seed, 0, rep)
        drawn = [members[(g.next() * len(members)) >> 64] for _ in members]
        rs, zs = [], []
        for d in drawn:
            for k, r in enumerate(RATINGS):
                if r[0] == d:
                    rs.append(r); zs.append(z[k])
        samples.append(aggregate(rs, statistic, zscore, symmetrize, zs))
    samples = np.array(samples)
    alpha = (1 - confidence) / 2
    lo = np.full((N, N), np.nan); hi = np.full((N, N), np.nan)
    for i in range(N):
        for j in range(N):
            col = samples[:, i, j]; col = col[~np.isnan(col)]
            if len(col):
                lo[i, j] = np.percentile(col, 100 * alpha); hi[i, j] = np.percentile(col, 100 * (1 - alpha))
    return lo, hi


def fmt(m):
    return "[" + ", ".join("nan" if np.isnan(x) else repr(float(x)) for x in np.asarray(m).ravel()) + "]"


def krippendorff(data, metric):
    """data: list of units, each a list of values (None = missing). Coincidence-matrix form, Krippendorff (2011)."""
    units = [[v for v in u if v is not None] for u in data]
    units = [u for u in units if len(u) >= 2]
    vals = sorted({v for u in units for v in u})
    idx = {v: i for i, v in enumerate(vals)}
    o = np.zeros((len(vals), len(vals)))
    for u in units:
        for i, x in enumerate(u):
            for j, y in enumerate(u):
                if i != j:
                    o[idx[x], idx[y]] += 1 / (len(u) - 1)
    nc = o.sum(axis=1); n = nc.sum()
    def d2(c, k):
        if metric == "nominal":
            return float(c != k)
        if metric == "interval":
            return (vals[c] - vals[k]) ** 2
        lo, hi = min(c, k), max(c, k)
        return (nc[lo:hi + 1].sum() - (nc[lo] + nc[hi]) / 2) ** 2
    do = sum(o[c, k] * d2(c, k) for c in range(len(vals)) for k in range(len(vals)))
    de = sum(nc[c] * nc[k] * d2(c, k) for c in range(len(vals)) for k in range(len(vals))) / (n - 1)
    return 1 - do / de


if __name__ == "__main__":
    print("# bootstrap mean, directed, 200 replicates, seed 42")
    lo, hi = bootstrap("mean", False, None, 200, 42)
    print("lower", fmt(lo)); print("upper", fmt(hi))
    print("# bootstrap median, z-score, symmetrize mean, 200 replicates, seed 7")
    lo, hi = bootstrap("median", True, "mean", 200, 7)
    print("lower", fmt(lo)); print("upper", fmt(hi))
    print("# aggregate median, z-score (full data)")
    print(fmt(aggregate(RATINGS, "median", True, None, annotator_z())))

    # Krippendorff (2011), section C: 4 observers x 12 units, missing values as None.
    A = [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None]
    B = [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3]
    C = [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None]
    D = [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]
    data = list(zip(A, B, C, D))
    for metric in ("nominal", "ordinal", "interval"):
        print("krippendorff", metric, repr(float(krippendorff(data, metric))))

    x = np.array([1, 2, 2, 3, 4, 4, 4, 5, 6, 7], dtype=float)
    y = np.array([2, 1, 3, 3, 5, 4, 4, 7, 6, 6], dtype=float)
    print("pearson", repr(float(np.corrcoef(x, y)[0, 1])))
    try:
        import scipy.stats as st
        print("spearman", repr(float(st.spearmanr(x, y)[0])))
        print("kendall_tau_b", repr(float(st.kendalltau(x, y)[0])))
        print("trim_mean_0.2", repr(float(st.trim_mean([0, 4, 1, 3, 3, 2, 4, 0, 1, 2, 4], 0.2))))
    except ImportError:
        print("scipy not installed")
    s = np.sort(np.array([0.3, 1.7, 2.2, 2.2, 3.9, 4.0, 5.5]))
    print("percentiles 2.5 25 50 97.5", [repr(float(np.percentile(s, q))) for q in (2.5, 25, 50, 97.5)])
