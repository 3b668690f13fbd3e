#!/usr/bin/env bash
# Import benchmark: `explicable study import --format cifar10h-raw` (release) side by side with the
# sqlite3 shell's `.import` of the same CSV into a plain table, in one run. Prints JSON lines,
# then a summary with medians. The input is SYNTHETIC (see make_cifar10h_raw.py): CIFAR-10H's
# real per-image counts expanded into one trial row per label.
#
#   Benchmarks/run-import.sh [DATA_DIR]      (default ../shared/data; RUNS=5)
#
# Needs: swift, sqlite3 (Debian package sqlite3), /usr/bin/time, python3 with numpy.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-${EXPLICABLE_DATA:-../shared/data}}
runs=${RUNS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
swift build -c release --product explicable >&2
bin=.build/release/explicable
python3 Benchmarks/make_cifar10h_raw.py "$work/raw.csv" --counts "$data/cifar10h/cifar10h-counts.npy" >&2
rows=$(($(wc -l < "$work/raw.csv") - 1))
/usr/bin/time -f '%M' -o "$work/empty-rss" "$bin" study list --db "$work/empty.sqlite" >/dev/null
empty_kib=$(cat "$work/empty-rss")
out="$work/results.jsonl"
for i in $(seq "$runs"); do
    rm -f "$work"/s.sqlite* "$work"/plain.sqlite
    "$bin" study create studies/cifar10-instance-labels.json --db "$work/s.sqlite" >/dev/null
    /usr/bin/time -f '%e %U %S %M' -o "$work/t" "$bin" study import cifar10-instance-labels "$work/raw.csv" \
        --format cifar10h-raw --db "$work/s.sqlite" >/dev/null
    read -r secs user sys kib < "$work/t"
    echo "{\"bench\":\"import_cifar10h_raw\",\"impl\":\"explicable\",\"rows\":$rows,\"seconds\":$secs,\"user\":$user,\"sys\":$sys,\"peak_rss_kib\":$kib,\"empty_process_rss_kib\":$empty_kib,\"loadavg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" | tee -a "$out"
    /usr/bin/time -f '%e %U %S %M' -o "$work/t" sqlite3 "$work/plain.sqlite" ".mode csv" ".import $work/raw.csv trials"
    read -r secs user sys kib < "$work/t"
    echo "{\"bench\":\"import_cifar10h_raw\",\"impl\":\"sqlite3 .import\",\"rows\":$rows,\"seconds\":$secs,\"user\":$user,\"sys\":$sys,\"peak_rss_kib\":$kib,\"loadavg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" | tee -a "$out"
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ours = [r for r in rows if r["impl"] == "explicable"]
peer = [r for r in rows if r["impl"] != "explicable"]
t = statistics.median(r["seconds"] for r in ours)
p = statistics.median(r["seconds"] for r in peer)
n = ours[0]["rows"]
extra = max(r["peak_rss_kib"] for r in ours) - ours[0]["empty_process_rss_kib"]
print(json.dumps({"bench": "summary", "rows": n, "explicable_seconds_median": t, "sqlite3_import_seconds_median": p,
                  "rows_per_second": round(n / t), "ratio_to_sqlite3_import": round(t / p, 2),
                  "rss_above_empty_mb": round(extra / 1024, 1),
                  # Processor seconds (user + sys): what other processes on the host disturb least.
                  "cpu_ratio_to_sqlite3_import": round(statistics.median(r["user"] + r["sys"] for r in ours)
                                                       / statistics.median(r["user"] + r["sys"] for r in peer), 2),
                  "wall_over_cpu": {"explicable": round(t / statistics.median(r["user"] + r["sys"] for r in ours), 2),
                                    "sqlite3": round(p / statistics.median(r["user"] + r["sys"] for r in peer), 2)},
                  "loadavg": [r["loadavg"] for r in rows],
                  "targets": {"rows_per_second": 300000, "ratio_to_sqlite3_import": 2.0, "rss_above_empty_mb": 100}}))
PY
