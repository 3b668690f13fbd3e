#!/usr/bin/env python3
"""A lower bound on the judgments any class-pair design needs to reach the full design's quality
(issue #16), in the benchmark's own setting: the truth built as `explicable matrix truth` builds it
(log CHL = a + b * path + residual, residuals drawn from CIFAR-10's), quality = mean total-variation
distance of the WLF target rows softmax(s * S) at s = 1 and 2.

The bound is an oracle: it knows the true target rows (so which cells matter), the prior's exact
calibration E[T | path] and each cell's residual spread given the prior, and allocates a real
number of ratings to every cell optimally. A cell with prior spread tau and n ratings of spread
sigma has posterior sd 1/sqrt(1/tau^2 + n/sigma^2); minimising sum_ij w_ij sd_ij (w_ij = sum_s
s p_ij (1 - p_ij), the first-order effect of S_ij on row i's targets) for a total of N ratings gives
n_ij = sigma^2 max(0, (w_ij / (2 sigma^2 lambda))^(2/3) - 1/tau_ij^2). sigma is set so that 41
accepted ratings per cell (46 with 10% careless raters rejected) reproduce the full design's
target TV from the benchmark; lambda is searched until the Gaussian errors of that allocation
reach the same TV. Judgments are ratings / 0.9 (rejected careless raters).

    python3 Benchmarks/design_bound.py PRIORS_DIR [cifar10,cifar100,imagenet1k]
PRIORS_DIR holds path-CLASSES.npy (run-designs.sh's priors); CHL from $DATA/paper (../shared/data).
Targets: the full design's median TV in Benchmarks/results/designs-*.jsonl.
"""
import os
import sys

import numpy as np

data = os.environ.get("DATA", os.path.join(os.path.dirname(__file__), "../../shared/data"))
priors = sys.argv[1]
sets = (sys.argv[2] if len(sys.argv) > 2 else "cifar10,cifar100,imagenet1k").split(",")
targets = {"cifar10": 0.0093, "cifar100": 0.0233, "imagenet1k": 0.0381}

chl = np.load(os.path.join(data, "paper/cifar10_CHL_cmat.npy")).astype(float)
p10 = np.load(os.path.join(priors, "path-cifar10.npy")).astype(float)
off10 = ~np.eye(10, dtype=bool)
b, a = np.polyfit(p10[off10], np.log(np.maximum(0.01, chl[off10])), 1)
sym, anti = [], []
for i in range(10):
    for j in range(i + 1, 10):
        eij = np.log(max(0.01, chl[i, j])) - a - b * p10[i, j]
        eji = np.log(max(0.01, chl[j, i])) - a - b * p10[j, i]
        sym.append((eij + eji) / 2)
        anti.append(abs(eij - eji) / 2)
sym, anti = np.array(sym), np.array(anti)
residuals = np.concatenate([sym + anti, sym - anti])


def softmax(S, s):
    E = np.exp(s * (S - S.max(1, keepdims=True)))
    return E / E.sum(1, keepdims=True)


def tv(E, T):
    return np.mean([0.5 * np.abs(softmax(E, s) - softmax(T, s)).sum(1).mean() for s in (1, 2)])


def truth(P, rng):
    n = len(P)
    T = np.full((n, n), 4.0)
    iu = np.triu_indices(n, 1)
    s = sym[rng.integers(len(sym), size=len(iu[0]))]
    d = anti[rng.integers(len(anti), size=len(iu[0]))] * rng.choice([-1, 1], size=len(iu[0]))
    T[iu] = np.clip(np.exp(a + b * P[iu] + s + d), 0, 4)
    T[iu[1], iu[0]] = np.clip(np.exp(a + b * P[iu[1], iu[0]] + s - d), 0, 4)
    return T


def prior_spread(P):
    n = len(P)
    S = np.zeros((n, n))
    off = ~np.eye(n, dtype=bool)
    for v in np.unique(P[off]):
        S[(P == v) & off] = np.std(np.clip(np.exp(a + b * v + residuals), 0, 4))
    return np.maximum(S, 1e-3)


def noisy_tv(T, sd, rng):
    """The mean TV of Gaussian errors of spread sd (averaged over draws: more for small class sets)."""
    values = []
    for _ in range(max(1, min(200, 40000 // T.size))):
        E = T + rng.normal(0, 1, T.shape) * sd
        np.fill_diagonal(E, 4)
        values.append(tv(E, T))
    return np.mean(values)


for name in sets:
    rng = np.random.default_rng(2)
    P = p10 if name == "cifar10" else np.load(os.path.join(priors, f"path-{name}.npy")).astype(float)
    n = len(P)
    off = ~np.eye(n, dtype=bool)
    T = chl if name == "cifar10" else truth(P, rng)
    target = targets[name]
    lo, hi = 0.05, 3.0
    for _ in range(25):
        sigma = (lo + hi) / 2
        lo, hi = (sigma, hi) if noisy_tv(T, np.where(off, sigma / np.sqrt(41), 0), rng) < target else (lo, sigma)
    sigma = lo
    tau = prior_spread(P)
    W = sum(s * softmax(T, s) * (1 - softmax(T, s)) for s in (1, 2))
    W[~off] = 0

    def allocation(lam):
        m = sigma**2 * np.maximum(0, (W / (2 * sigma**2 * lam)) ** (2 / 3) - 1 / tau**2)
        m[~off] = 0
        return m

    def quality(m):
        sd = 1 / np.sqrt(1 / tau**2 + m / sigma**2)
        sd[~off] = 0
        return noisy_tv(T, sd, rng)

    lo, hi = 1e-12, 10.0
    for _ in range(60):
        lam = np.sqrt(lo * hi)
        lo, hi = (lam, hi) if quality(allocation(lam)) <= target else (lo, lam)
    m = allocation(lo)
    judgments = m.sum() / 0.9
    full = n * (n - 1) * 46
    print(
        f'{{"bench":"design-bound","classes":"{name}","target":{target},"ratingSD":{sigma:.3f},'
        f'"priorOnlyTV":{quality(np.zeros_like(T)):.4f},"judgments":{judgments:.0f},'
        f'"percentOfFull":{100 * judgments / full:.1f},"cellsRated":{int((m > 0.5).sum())},"cells":{n * (n - 1)}}}'
    )
