#!/bin/sh
# Load benchmark of `explicable study serve` on loopback: 64 connections, answers/s and p50/p99.
# Usage: Benchmarks/run-serve.sh [path/to/explicable]   (default: a release build, made here)
# CLIENT=wrk (default when wrk is installed: Debian package `wrk`) or CLIENT=python (serve_load.py);
# FAST_COMMITS=1 serves with --fast-commits; SECONDS_ sets the duration (default 15);
# ALLOCATION=adaptive serves serve-load-adaptive-spec.json (allocation: adaptive, prior wordnet:path from
# DATA, default ../shared/data; a tolerance so small that every participant gets all 90 items).
set -eu
cd "$(dirname "$0")/.."
BIN=${1:-}
if [ -z "$BIN" ]; then
    swift build -c release --product explicable >/dev/null
    BIN=.build/release/explicable
fi
CLIENT=${CLIENT:-$(command -v wrk >/dev/null && echo wrk || echo python)}
DIR=$(mktemp -d)
PID=
trap 'if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; fi; rm -rf "$DIR"' EXIT
SPEC=Benchmarks/serve-load-spec.json
[ "${ALLOCATION:-uniform}" = adaptive ] && SPEC=Benchmarks/serve-load-adaptive-spec.json
"$BIN" study create "$SPEC" --db "$DIR/load.sqlite" >/dev/null
EXPLICABLE_HOME=$PWD "$BIN" study serve serve-load --port 0 --rate-limit 1000000 ${FAST_COMMITS:+--fast-commits} \
    --data "${DATA:-../shared/data}" --db "$DIR/load.sqlite" >"$DIR/out" 2>/dev/null &
PID=$!
for _ in $(seq 600); do grep -q serving "$DIR/out" 2>/dev/null && break; sleep 0.1; done
PORT=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$DIR/out")
if [ "$CLIENT" = wrk ]; then
    # 1,000 participants (every assignment) × 90 items = 90,000 distinct answers, more than a 15 s run gives.
    python3 Benchmarks/serve_load.py --port "$PORT" --prepare 1000 --out "$DIR/answers.txt"
    WRK_ANSWERS="$DIR/answers.txt" WRK_THREADS=2 wrk -t2 -c"${CONNECTIONS:-64}" -d"${SECONDS_:-15}s" \
        -s Benchmarks/serve-wrk.lua "http://127.0.0.1:$PORT" | grep '^{'
else
    python3 Benchmarks/serve_load.py --port "$PORT" --connections "${CONNECTIONS:-64}" --seconds "${SECONDS_:-15}"
fi
kill -TERM "$PID"; wait "$PID" || true
PID=
