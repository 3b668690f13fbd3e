"""Reference values for explicable's Wilcoxon signed-rank test (Sources/Audit/Wilcoxon.swift).

Runs scipy.stats.wilcoxon with its defaults (zero_method="wilcox", correction=False,
alternative="two-sided", method="auto"), and with correction=True where the normal approximation
is used, on fixed samples of paired differences. Prints one JSON line per case; the numbers are
pasted into Tests/AuditTests/WilcoxonTests.swift (and the review-e2e-3 case into
Tests/explicableTests/ReviewCommandTests.swift).

    python3 Benchmarks/wilcoxon_reference.py   # scipy 1.17.1
"""
import json

import scipy
from scipy.stats import wilcoxon

CASES = {
    # n = 8, no ties, no zeros: exact null distribution.
    "exact-8": [1.5, 2.0, -3.25, 4.0, 5.5, -6.0, 7.0, 8.5],
    # n = 8 with tied |d|: exhaustive sign-flip permutation test.
    "ties-8": [1.0, 1.0, -3.0, 4.0, 5.0, -6.0, 7.0, -1.0],
    # n = 10 with zeros and ties (half-points, as per-image mean ratings give): permutation test.
    "zeros-10": [0.0, 0.5, -0.5, 1.0, 0.0, 2.0, 1.5, -1.0, 2.5, 3.0],
    # n = 6, all one sign: smallest exact p.
    "one-sided-6": [0.5, 1.0, 1.5, 2.0, 2.5, 3.0],
    # n = 30, no ties: still exact in scipy 1.17 (threshold 50).
    "exact-30": [round((i * 37 % 61 - 30.5) / 7, 6) for i in range(1, 31)],
    # n = 20 with ties and zeros: normal approximation with tie correction.
    "normal-ties-20": [0.0, 1.0, -1.0, 2.0, 2.0, -2.0, 3.0, 0.5, 0.5, 1.5,
                       -0.5, 1.0, 2.5, 0.0, 1.0, 3.0, -1.5, 2.0, 0.5, 1.0],
    # Tests/explicableTests/ReviewCommandTests.swift: per-image mean differences of its two runs
    # (one shared mistake gives 0): permutation test.
    "review-e2e-3": [0.0, -2.0, -8 / 3],
    # n = 60, no ties: normal approximation.
    "normal-60": [round((i * 37 % 121 - 50.5) / 9, 6) for i in range(1, 61)],
}

print(json.dumps({"scipy": scipy.__version__}))
for name, d in CASES.items():
    for correction in (False, True):
        r = wilcoxon(d, correction=correction)
        print(json.dumps({"case": name, "correction": correction, "d": d,
                          "statistic": float(r.statistic), "pvalue": float(r.pvalue)}))
