#!/usr/bin/env bash
# Semantics benchmark: M^h computations of explicable (release) side by side with NumPy, in one run,
# on synthetic Likert data of the same shape. Prints JSON lines, then a summary with medians.
#   (a) chl: mean (and median) per directed pair of 1,000,000 ratings over 100 classes; target ≤ 1 s
#   (b) bootstrap: 1,000 cluster-bootstrap replicates of a 10-class study, 46 raters per pair
#       (4,140 ratings, 296 annotators rating 14 pairs each); target ≤ 2 s
#
#   Benchmarks/run-semantics.sh        (RUNS=5)
#
# Needs: swift, python3 with numpy. explicable's bootstrap uses every core (DispatchQueue.concurrentPerform);
# NumPy's is vectorised on one.
set -euo pipefail
cd "$(dirname "$0")"
runs=${RUNS:-5}
swift build -c release --product SemanticsBenchmark >&2
bench=$(swift build -c release --show-bin-path)/SemanticsBenchmark
out=$(mktemp)
trap 'rm -f "$out"' EXIT

"$bench" chl "$runs" | tee -a "$out"
python3 semantics_peer.py chl "$runs" | tee -a "$out"
"$bench" bootstrap "$runs" | tee -a "$out"
python3 semantics_peer.py bootstrap "$runs" | tee -a "$out"

python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
def med(bench, impl):
    return statistics.median(r["seconds"] for r in rows if r["bench"] == bench and r["impl"] == impl)
summary = {"bench": "summary", "cores": __import__("os").cpu_count()}
for bench, target in (("chl_mean", 1.0), ("chl_median", None), ("bootstrap_1000", 2.0)):
    ours, peer = med(bench, "explicable"), med(bench, "numpy")
    summary[f"{bench}_explicable_seconds_median"] = round(ours, 4)
    summary[f"{bench}_numpy_seconds_median"] = round(peer, 4)
    summary[f"{bench}_ratio_to_numpy"] = round(ours / peer, 2)
    if target is not None:
        summary[f"{bench}_target_seconds"] = target
        summary[f"{bench}_meets_target"] = ours <= target
print(json.dumps(summary))
PY
