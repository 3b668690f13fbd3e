#!/usr/bin/env bash
# WordNet benchmark: explicable (release) side by side with xmllint and the Python package wn,
# in one run on the same OEWN 2025 file. Prints JSON lines, then a summary.
#
#   Benchmarks/run-wordnet.sh [DATA_DIR]      (default ../shared/data)
#
# wn takes about 10 CPU-minutes for its 40,000 pairs, so it runs once unless WN_RUNS says more;
# ONLY_LOAD=1 skips the matrices and wn and measures loading alone (parse, snapshot cache, xmllint).
#
# Loading is measured three ways, alternating so that machine noise hits all alike: a cold parse
# (`parse`), a cold cached load (`cached` in an empty folder: parse + write the snapshot) and a warm
# cached load (`cached` again: map the snapshot, check it, rebuild the graph). Snapshots go to a
# temporary folder, not beside the data. The command users run, `explicable wordnet info` (release),
# is timed end to end as well (process start to exit, /usr/bin/time): warm from a snapshot
# (`info_warm`) and with the cache off (`info_parse`, EXPLICABLE_WORDNET_CACHE=off), in the same
# alternation as xmllint.
# Needs: swift, xmllint (Debian libxml2-utils), /usr/bin/time, python3 with `pip install wn`.
set -euo pipefail
cd "$(dirname "$0")"
data=${1:-${EXPLICABLE_DATA:-../../shared/data}}
lmf="$data/wordnet/english-wordnet-2025.xml.gz"
runs=${RUNS:-5}
swift build -c release --product WordNetBenchmark >&2
bench=$(swift build -c release --show-bin-path)/WordNetBenchmark
(cd .. && swift build -c release --product explicable >&2)
cli=$(cd .. && swift build -c release --show-bin-path)/explicable
out=$(mktemp)

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

snapshots=$(mktemp -d)
trap 'rm -rf "$snapshots"' EXIT
echo "{\"bench\":\"conditions\",\"cores\":$(nproc),\"loadavg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" | tee -a "$out"

# Parse: alternate with the cache and xmllint so machine noise hits all alike.
for i in $(seq "$runs"); do
    "$bench" parse "$lmf" | tee -a "$out"
    rm -rf "$snapshots/$i"
    "$bench" cached "$lmf" "$snapshots/$i" | tee -a "$out"   # cold: parses, writes the snapshot
    "$bench" cached "$lmf" "$snapshots/$i" | tee -a "$out"   # warm: loads the snapshot
    EXPLICABLE_WORDNET_CACHE="$snapshots/cli" "$cli" wordnet info "$lmf" >/dev/null   # makes sure the snapshot exists
    for mode in warm parse; do
        cache="$snapshots/cli"; [ "$mode" = parse ] && cache=off
        EXPLICABLE_WORDNET_CACHE="$cache" /usr/bin/time -f "{\"bench\":\"oewn_info\",\"impl\":\"explicable wordnet info\",\"mode\":\"$mode\",\"seconds\":%e,\"cpu_seconds\":%U+%S,\"peak_rss_kib\":%M}" \
            "$cli" wordnet info "$lmf" 2>&1 >/dev/null | sed 's/"cpu_seconds":\([0-9.]*\)+\([0-9.]*\)/"user":\1,"sys":\2/' | tee -a "$out"
    done
    /usr/bin/time -f '{"bench":"oewn_parse","impl":"xmllint --stream --noout","seconds":%e,"peak_rss_mb":%M}' \
        xmllint --stream --noout "$lmf" 2>&1 | sed 's/"peak_rss_mb":\([0-9]*\)}/"peak_rss_mb":\1,"unit":"KiB"}/' | tee -a "$out"
done
echo "{\"bench\":\"conditions\",\"cores\":$(nproc),\"loadavg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" | tee -a "$out"

if [ -z "${ONLY_LOAD:-}" ]; then
    "$bench" matrices "$lmf" ../wordnet/imagenet1k.tsv 1000 | tee -a "$out"
    "$bench" matrices "$lmf" ../wordnet/imagenet1k.tsv 200 | grep '"measure":"path"' | tee -a "$out"
    python3 wn_path_bench.py --lmf "$lmf" --classes ../wordnet/imagenet1k.tsv --wn-data "${WN_DATA:-/tmp/wn-data}" --runs "${WN_RUNS:-1}" | tee -a "$out"
fi

python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
ours = [r for r in rows if r["bench"] == "oewn_parse" and r["impl"] == "explicable"]
lint = [r for r in rows if r["bench"] == "oewn_parse" and r["impl"] != "explicable"]
t_ours = statistics.median(r["seconds"] for r in ours)
t_lint = statistics.median(r["seconds"] for r in lint)
rss = max(r["peak_rss_mb"] for r in ours)
summary = {"bench": "summary", "parse_seconds_median": round(t_ours, 3), "xmllint_seconds_median": t_lint,
           "parse_ratio_to_xmllint": round(t_ours / t_lint, 2), "parse_target_ratio": 1.5,
           "peak_rss_mb": round(rss, 1), "peak_rss_target_mb": 600}
cold = [r for r in rows if r["bench"] == "oewn_cached" and r["mode"] == "cold"]
warm = [r for r in rows if r["bench"] == "oewn_cached" and r["mode"] == "warm"]
if cold and warm:
    t_warm = statistics.median(r["seconds"] for r in warm)
    summary.update({
        "cache_cold_seconds_median": round(statistics.median(r["seconds"] for r in cold), 3),
        "cache_warm_seconds_median": round(t_warm, 4), "cache_warm_target_seconds": 0.05,
        "cache_speedup_over_parse": round(t_ours / t_warm, 1), "cache_speedup_target": 25,
        "cache_warm_taxonomy_seconds_median": round(statistics.median(r["taxonomy_seconds"] for r in warm), 4),
        "cache_warm_peak_rss_mb": round(max(r["peak_rss_mb"] for r in warm), 1),
        "cache_cold_peak_rss_mb": round(max(r["peak_rss_mb"] for r in cold), 1)})
info = {m: [r for r in rows if r["bench"] == "oewn_info" and r["mode"] == m] for m in ("warm", "parse")}
if info["warm"] and info["parse"]:
    t_warm = statistics.median(r["seconds"] for r in info["warm"])
    t_parse = statistics.median(r["seconds"] for r in info["parse"])
    summary.update({
        "info_warm_seconds_median": t_warm, "info_parse_seconds_median": t_parse,
        "info_warm_cpu_seconds_median": round(statistics.median(r["user"] + r["sys"] for r in info["warm"]), 3),
        "info_parse_speedup_of_warm": round(t_parse / t_warm, 1),
        "info_warm_ratio_to_xmllint": round(t_warm / t_lint, 3),
        "info_parse_ratio_to_xmllint": round(t_parse / t_lint, 2),
        "info_warm_peak_rss_mb": round(max(r["peak_rss_kib"] for r in info["warm"]) / 1024, 1)})
summary["loadavg"] = [r["loadavg"] for r in rows if r["bench"] == "conditions"]
for r in rows:
    if r["bench"] == "matrix_1000":
        summary[f"imagenet1k_{r['measure']}_seconds"] = round(r["seconds"], 3)
p200 = next((r for r in rows if r["bench"] == "matrix_200"), None)
wn200 = next((r for r in rows if r["bench"] == "wn_path_200"), None)
if p200 and wn200:
    summary["path_200_explicable_seconds"] = round(p200["seconds"], 4)
    summary["path_200_wn_seconds"] = round(wn200["seconds"], 2)
    summary["path_200_speedup_over_wn"] = round(wn200["seconds"] / p200["seconds"], 1)
print(json.dumps(summary))
PY
rm -f "$out"
