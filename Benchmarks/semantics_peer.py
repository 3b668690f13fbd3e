#!/usr/bin/env python3
"""NumPy peer of SemanticsBenchmark: the same computations, sizes and JSON lines.

    python3 semantics_peer.py chl|bootstrap [RUNS]

chl: mean per directed pair of 1,000,000 random ratings over 100 classes (np.bincount).
bootstrap: 1,000 cluster-bootstrap replicates (annotators drawn with replacement, each bringing all
their ratings) of a 10-class study with 46 ratings per pair and 14 pairs per annotator; per-cell
means as weighted bincounts, intervals by np.percentile (2.5, 97.5). Timed: the computation only.
"""
import json
import sys
import time

import numpy as np


def chl(runs):
    rng = np.random.default_rng(1)
    n, count = 100, 1_000_000
    annotators = rng.integers(0, 10_000, count).astype(np.int32)
    rows = rng.integers(0, n, count).astype(np.int32)
    cols = rng.integers(0, n - 1, count).astype(np.int32)
    cols += cols >= rows
    values = rng.integers(0, 5, count).astype(np.float64)
    def once():
        cells = rows.astype(np.int64) * n + cols
        counts = np.bincount(cells, minlength=n * n)
        sums = np.bincount(cells, weights=values, minlength=n * n)
        with np.errstate(invalid="ignore", divide="ignore"):
            m = sums / counts
        np.fill_diagonal(m.reshape(n, n), 4.0)
        return m
    once()
    for _ in range(runs):
        t0 = time.perf_counter(); m = once(); s = time.perf_counter() - t0
        print(json.dumps({"bench": "chl_mean", "impl": "numpy", "ratings": count, "classes": n, "seconds": s,
                          "checksum": float(np.nansum(m))}))
    # Median per cell: sort by (cell, value) once, then take middle elements.
    def median_once():
        cells = rows.astype(np.int64) * n + cols
        order = np.lexsort((values, cells))
        sc, sv = cells[order], values[order]
        counts = np.bincount(sc, minlength=n * n)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        out = np.full(n * n, np.nan)
        has = counts > 0
        lo = starts[has] + (counts[has] - 1) // 2
        hi = starts[has] + counts[has] // 2
        out[has] = (sv[lo] + sv[hi]) / 2
        np.fill_diagonal(out.reshape(n, n), 4.0)
        return out
    median_once()
    for _ in range(runs):
        t0 = time.perf_counter(); median_once(); s = time.perf_counter() - t0
        print(json.dumps({"bench": "chl_median", "impl": "numpy", "ratings": count, "classes": n, "seconds": s}))


def bootstrap(runs):
    rng = np.random.default_rng(2)
    n, per_pair, per_annotator = 10, 46, 14
    truth = rng.integers(0, 5, n * n).astype(np.float64)
    pairs = [(i, j) for i in range(n) for j in range(n) if i != j]
    cells = np.array([i * n + j for _ in range(per_pair) for (i, j) in pairs])
    annotators = np.arange(len(cells)) // per_annotator
    values = np.clip(truth[cells] + rng.integers(-1, 2, len(cells)), 0, 4)
    members = np.unique(annotators)
    m = len(members)
    def once(seed, replicates=1000):
        g = np.random.default_rng(seed)
        draws = g.integers(0, m, (replicates, m))
        weights = np.zeros((replicates, m))
        np.add.at(weights, (np.arange(replicates)[:, None], draws), 1)  # times each annotator is drawn
        w = weights[:, annotators]                                        # replicates x ratings
        offsets = (np.arange(replicates) * n * n)[:, None]
        idx = (offsets + cells[None, :]).ravel()
        sums = np.bincount(idx, weights=(w * values[None, :]).ravel(), minlength=replicates * n * n)
        counts = np.bincount(idx, weights=w.ravel(), minlength=replicates * n * n)
        with np.errstate(invalid="ignore", divide="ignore"):
            samples = (sums / counts).reshape(replicates, n * n)
        samples[:, np.arange(n) * (n + 1)] = 4.0  # the diagonal, as aggregate() puts it
        pct = np.nanpercentile if np.isnan(samples).any() else np.percentile  # a cell no drawn annotator rated
        lo, hi = pct(samples, [2.5, 97.5], axis=0)
        return lo, hi
    once(0, 50)
    for run in range(runs):
        t0 = time.perf_counter(); lo, hi = once(run); s = time.perf_counter() - t0
        off = [i * n + j for (i, j) in pairs]
        print(json.dumps({"bench": "bootstrap_1000", "impl": "numpy", "ratings": int(len(cells)), "annotators": int(m),
                          "seconds": s, "mean_width": float(np.mean(hi[off] - lo[off]))}))


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "chl"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    {"chl": chl, "bootstrap": bootstrap}[mode](runs)
