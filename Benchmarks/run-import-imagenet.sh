#!/usr/bin/env bash
# Import at ImageNet scale: `explicable study import --format long` (release) of a SYNTHETIC
# instance-label file, ImageNet-1k's 50,000 validation images × 200 labels = 10,000,000 rows
# (Benchmarks/make_imagenet_labels.py), side by side with the sqlite3 shell's `.import` of the same
# CSV into a plain table, alternating, in one run. Reports wall and processor seconds, rows/s and
# peak RSS for both, and the load average around each run. Prints JSON lines, then a summary
# with medians.
#
#   Benchmarks/run-import-imagenet.sh            (RUNS=3; LABELS=200 labels per image; WORK=folder to keep the input)
#
# Needs: swift, sqlite3 (Debian package sqlite3), /usr/bin/time, python3 with numpy, ~2.5 GB of disk.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
labels=${LABELS:-200}
work=${WORK:-$(mktemp -d)}
[ -n "${WORK:-}" ] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work"
swift build -c release --product explicable >&2
bin=.build/release/explicable
if [ ! -f "$work/labels-$labels.csv" ]; then
    python3 Benchmarks/make_imagenet_labels.py "$work" --labels "$labels" >&2
    mv "$work/labels.csv" "$work/labels-$labels.csv"
fi
csv="$work/labels-$labels.csv"
rows=$(($(wc -l < "$csv") - 1))
/usr/bin/time -f '%M' -o "$work/empty-rss" "$bin" study list --db "$work/empty.sqlite" >/dev/null
empty_kib=$(cat "$work/empty-rss")
out="$work/results.jsonl"
: > "$out"
load() { cut -d' ' -f1-3 /proc/loadavg; }
for i in $(seq "$runs"); do
    rm -f "$work"/s.sqlite* "$work"/plain.sqlite*
    "$bin" study create "$work/imagenet-val-labels.json" --db "$work/s.sqlite" >/dev/null
    before=$(load)
    /usr/bin/time -f '%e %U %S %M' -o "$work/t" "$bin" study import imagenet-val-labels "$csv" \
        --format long --db "$work/s.sqlite" >/dev/null
    read -r secs user sys kib < "$work/t"
    echo "{\"bench\":\"import_imagenet_long\",\"impl\":\"explicable\",\"rows\":$rows,\"seconds\":$secs,\"user\":$user,\"sys\":$sys,\"peak_rss_kib\":$kib,\"empty_process_rss_kib\":$empty_kib,\"loadavg_before\":\"$before\",\"loadavg_after\":\"$(load)\"}" | tee -a "$out"
    before=$(load)
    /usr/bin/time -f '%e %U %S %M' -o "$work/t" sqlite3 "$work/plain.sqlite" ".mode csv" ".import $csv labels"
    read -r secs user sys kib < "$work/t"
    echo "{\"bench\":\"import_imagenet_long\",\"impl\":\"sqlite3 .import\",\"rows\":$rows,\"seconds\":$secs,\"user\":$user,\"sys\":$sys,\"peak_rss_kib\":$kib,\"loadavg_before\":\"$before\",\"loadavg_after\":\"$(load)\"}" | tee -a "$out"
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ours = [r for r in rows if r["impl"] == "explicable"]
peer = [r for r in rows if r["impl"] != "explicable"]
med = lambda rs, f: statistics.median(f(r) for r in rs)
t, p = med(ours, lambda r: r["seconds"]), med(peer, lambda r: r["seconds"])
cpu_t, cpu_p = med(ours, lambda r: r["user"] + r["sys"]), med(peer, lambda r: r["user"] + r["sys"])
n = ours[0]["rows"]
print(json.dumps({
    "bench": "summary", "rows": n, "runs": len(ours),
    "explicable_seconds_median": t, "sqlite3_import_seconds_median": p, "ratio_to_sqlite3_import": round(t / p, 2),
    "rows_per_second": round(n / t), "sqlite3_rows_per_second": round(n / p),
    "explicable_cpu_seconds_median": round(cpu_t, 2), "sqlite3_cpu_seconds_median": round(cpu_p, 2),
    "cpu_ratio_to_sqlite3_import": round(cpu_t / cpu_p, 2), "rows_per_cpu_second": round(n / cpu_t),
    "wall_over_cpu": {"explicable": round(t / cpu_t, 2), "sqlite3": round(p / cpu_p, 2)},
    "peak_rss_mb": round(max(r["peak_rss_kib"] for r in ours) / 1024, 1),
    "rss_above_empty_mb": round((max(r["peak_rss_kib"] for r in ours) - ours[0]["empty_process_rss_kib"]) / 1024, 1),
    "sqlite3_peak_rss_mb": round(max(r["peak_rss_kib"] for r in peer) / 1024, 1),
    "loadavg": [r["loadavg_before"] for r in rows],
    "targets": {"rows_per_second": 400000}}))
PY
