#!/usr/bin/env bash
# Sparse class-pair studies at ImageNet-1k size (release build): the wall time of `study create`,
# `study status`, `study tasks`, `study import` (long CSV), `study qc` and `matrix build` for
#   - neighbours: a class-neighbours study, 8 nearest classes under OEWN `path` + 2,000 sampled
#     pairs (10,000 of 999,000 directed pairs), 12 candidates + 2 decoys a screen, 5 raters;
#   - full: the class-pair-likert design over all 999,000 pairs (create and status only: its 333,000
#     assignment pages are not a practical thing to write).
# The ratings imported are SYNTHETIC (seeded uniform 0–4 on every pair, 0 on decoys; 5 raters a
# pair): they exercise the store and the aggregation, not the quality of a matrix. Prints one JSON
# line per step and run, then the medians (RUNS=3 runs, alternating the two designs).
#
#   Benchmarks/run-sparse-studies.sh [DATA_DIR]      (default ../shared/data; needs the OEWN LMF there)
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-${EXPLICABLE_DATA:-../shared/data}}
runs=${RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
swift build -c release --product explicable >&2
bin=.build/release/explicable
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
base = json.load(open("studies/cifar100-class-neighbours.json"))
base.update(name="imagenet-neighbours", classSet="imagenet1k", ratingsPerItem=5,
            pairs={"neighbours": 8, "prior": "wordnet:path", "extra": 2000})
json.dump(base, open(f"{work}/neighbours.json", "w"))
full = json.load(open("studies/cifar10-class-likert.json"))
full.update(name="imagenet-full", classSet="imagenet1k", ratingsPerItem=5)
json.dump(full, open(f"{work}/full.json", "w"))
PY
out="$work/results.jsonl"
step() {  # step DESIGN NAME COMMAND...
    local design=$1 name=$2; shift 2
    /usr/bin/time -f '%e %M' -o "$work/t" "$@" >"$work/stdout" 2>"$work/stderr" || { cat "$work/stderr" >&2; exit 1; }
    read -r secs kib < "$work/t"
    echo "{\"bench\":\"sparse_study\",\"design\":\"$design\",\"step\":\"$name\",\"classes\":1000,\"seconds\":$secs,\"peak_rss_kib\":$kib}" | tee -a "$out"
}
for i in $(seq "$runs"); do
    rm -rf "$work"/n.sqlite* "$work"/f.sqlite* "$work/tasks"
    step neighbours create "$bin" study create "$work/neighbours.json" --db "$work/n.sqlite" --data "$data"
    step neighbours status "$bin" study status imagenet-neighbours --db "$work/n.sqlite"
    step neighbours tasks "$bin" study tasks imagenet-neighbours --out "$work/tasks" --db "$work/n.sqlite" --data "$data"
    python3 - "$work" <<'PY'
import random, sqlite3, sys
work = sys.argv[1]
random.seed(7)
keys = [k for (k,) in sqlite3.connect(f"{work}/n.sqlite").execute(
    "SELECT key FROM item i JOIN study s ON s.id = i.studyId WHERE s.name = 'imagenet-neighbours' ORDER BY i.id")]
with open(f"{work}/ratings.csv", "w") as f:
    f.write("annotator,item,value,assignment\n")
    for rater in range(5):
        for k in keys:
            f.write(f"r{rater},{k},{0 if k.startswith('decoy:') else random.randint(0, 4)},a{rater}\n")
PY
    step neighbours import "$bin" study import imagenet-neighbours "$work/ratings.csv" --format long --db "$work/n.sqlite"
    step neighbours qc "$bin" study qc imagenet-neighbours --db "$work/n.sqlite"
    step neighbours matrix-build "$bin" matrix build m --from likert:imagenet-neighbours --db "$work/n.sqlite" --data "$data" --json
    step full create "$bin" study create "$work/full.json" --db "$work/f.sqlite"
    step full status "$bin" study status imagenet-full --db "$work/f.sqlite"

done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for key in dict.fromkeys((r["design"], r["step"]) for r in rows):
    s = [r["seconds"] for r in rows if (r["design"], r["step"]) == key]
    print(json.dumps({"bench": "sparse_study_median", "design": key[0], "step": key[1], "runs": len(s),
                      "median_seconds": statistics.median(s), "min": min(s), "max": max(s)}))
PY
