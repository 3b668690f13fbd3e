#!/bin/sh
# Load benchmark of `explicable study serve` on loopback: 64 connections, answers/s and p50/p99.
# Usage: Benchmarks/run-serve.sh [path/to/explicable]   (default: a release build, made here)
set -eu
cd "$(dirname "$0")/.."
BIN=${1:-}
if [ -z "$BIN" ]; then
    swift build -c release --product explicable >/dev/null
    BIN=.build/release/explicable
fi
DIR=$(mktemp -d)
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$DIR"' EXIT
"$BIN" study create Benchmarks/serve-load-spec.json --db "$DIR/load.sqlite" >/dev/null
EXPLICABLE_HOME=$PWD "$BIN" study serve serve-load --port 0 --rate-limit 1000000 ${FAST_COMMITS:+--fast-commits} --db "$DIR/load.sqlite" >"$DIR/out" &
PID=$!
for _ in $(seq 100); do grep -q serving "$DIR/out" 2>/dev/null && break; sleep 0.1; done
PORT=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$DIR/out")
python3 Benchmarks/serve_load.py --port "$PORT" --connections "${CONNECTIONS:-64}" --seconds "${SECONDS_:-20}"
kill -TERM "$PID"; wait "$PID" || true
