#!/usr/bin/env bash
# Reliability at 100 classes (release build): the wall time and peak RSS of `matrix reliability`
# (split-half, Krippendorff's alpha, the reliability curve) and of `matrix build --from likert:…`
# for a full class-pair-likert study over CIFAR-100's 100 classes (9,900 directed pairs) with
# 46 ratings per pair (455,400 ratings from 1,380 raters of 330 pairs each). The ratings are
# SYNTHETIC: a seeded "true" similarity per pair plus rater noise, rounded onto the 0–4 scale.
# Prints one JSON line per step and run, then the medians (RUNS=3).
#
#   Benchmarks/run-reliability.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
swift build -c release --product explicable >&2
bin=.build/release/explicable
python3 - "$work" <<'PY'
import json, random, sys
work = sys.argv[1]
spec = json.load(open("studies/cifar10-class-likert.json"))
spec.update(name="cifar100-likert-46", classSet="cifar100", ratingsPerItem=46, itemsPerAssignment=330,
            attentionChecksPerAssignment=0, attentionChecks=[],
            qc={"maxFailedAttentionChecks": 0, "maxSameAnswerShare": 1.0, "maxAssignmentsPerWorker": 1000})
json.dump(spec, open(f"{work}/spec.json", "w"))
rng = random.Random(46)
n = 100
pairs = [(a, b) for a in range(n) for b in range(n) if a != b]
truth = {p: rng.uniform(0, 4) for p in pairs}
blocks = [pairs[i:i + 330] for i in range(0, len(pairs), 330)]
with open(f"{work}/ratings.csv", "w") as f:
    f.write("annotator,item,value\n")
    rater = 0
    for _ in range(46):
        for block in blocks:
            bias = rng.gauss(0, 0.4)
            for a, b in block:
                v = min(4, max(0, round(truth[(a, b)] + bias + rng.gauss(0, 1.0))))
                f.write(f"r{rater},pair:{a}:{b},{v}\n")
            rater += 1
PY
"$bin" study create "$work/spec.json" --db "$work/s.sqlite" >/dev/null
"$bin" study import cifar100-likert-46 "$work/ratings.csv" --format long --db "$work/s.sqlite" >/dev/null
"$bin" study qc cifar100-likert-46 --db "$work/s.sqlite" >/dev/null
out="$work/results.jsonl"
step() {  # step NAME COMMAND...
    local name=$1; shift
    /usr/bin/time -f '%e %U %S %M' -o "$work/t" "$@" >"$work/stdout" 2>"$work/stderr" || { cat "$work/stderr" >&2; exit 1; }
    read -r secs user sys kib < "$work/t"
    echo "{\"bench\":\"reliability_100\",\"step\":\"$name\",\"classes\":100,\"ratings\":455400,\"seconds\":$secs,\"user\":$user,\"sys\":$sys,\"peak_rss_kib\":$kib,\"loadavg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" | tee -a "$out"
}
for i in $(seq "$runs"); do
    step reliability "$bin" matrix reliability cifar100-likert-46 --db "$work/s.sqlite" --json
    step matrix-build "$bin" matrix build m$i --from likert:cifar100-likert-46 --db "$work/s.sqlite" --json
    step status "$bin" study status cifar100-likert-46 --db "$work/s.sqlite"
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for step in dict.fromkeys(r["step"] for r in rows):
    s = [r["seconds"] for r in rows if r["step"] == step]
    print(json.dumps({"bench": "reliability_100_median", "step": step, "runs": len(s),
                      "median_seconds": statistics.median(s), "min": min(s), "max": max(s)}))
PY
