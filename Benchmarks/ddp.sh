#!/usr/bin/env bash
# The exported PyTorch recipe under DistributedDataParallel on the CPU (gloo), against `explicable train`
# with the same recipe and seed (issue #17). Not run in CI: it needs the PyTorch wheel (./setup-venv.sh).
#
# 1. `explicable matrix export --torch` of the paper's CHL matrix (recipe, loss, data reader, classes.txt);
# 2. `explicable train` on a stratified CIFAR-10 subset (--subset, --test-subset, --seed) into OUT/explicable;
# 3. `torchrun --nproc_per_node=P train_ddp.py` with the same options for each P in PROCS, into OUT/torch-Pp
#    (the same stratified subsets, the same global batch of 128 split over the processes);
# 4. `explicable compare` of all runs under CHL (bootstrap intervals, paired differences to explicable's run),
#    and a table of top-1, severity, explicable rate and training images/s (ddp_table.py).
#
# Environment (defaults in brackets): EXPLICABLE [this checkout's .build/release/explicable, else debug],
# DATA [$EXPLICABLE_DATA, else ../../shared/data], OUT [a new temporary folder], SUBSET [2500],
# TEST_SUBSET [1000], EPOCHS [2], SEED [0], ARCH [cnn-s], LOSS [wlf], SCALE [1], PROCS ["1 2"],
# THREADS [1: torch and OpenBLAS threads per process], NICE [10], REUSE [0: 1 keeps runs already in OUT],
# VENV [../.venv-bench, made by ./setup-venv.sh when missing: the Python environment with torch].
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
venv="${VENV:-$root/.venv-bench}"
python="$venv/bin/python"
[ -x "$python" ] || [ -n "${VENV:-}" ] || "$here/setup-venv.sh" >&2
if [ -z "${EXPLICABLE:-}" ]; then
    EXPLICABLE="$root/.build/release/explicable"
    [ -x "$EXPLICABLE" ] || EXPLICABLE="$root/.build/debug/explicable"
fi
DATA="${DATA:-${EXPLICABLE_DATA:-$root/../shared/data}}"
OUT="${OUT:-$(mktemp -d)}"
SUBSET="${SUBSET:-2500}" TEST_SUBSET="${TEST_SUBSET:-1000}" EPOCHS="${EPOCHS:-2}" SEED="${SEED:-0}"
ARCH="${ARCH:-cnn-s}" LOSS="${LOSS:-wlf}" SCALE="${SCALE:-1}" PROCS="${PROCS:-1 2}" THREADS="${THREADS:-1}"
NICE="${NICE:-10}" REUSE="${REUSE:-0}"
mkdir -p "$OUT"
export EXPLICABLE_HOME="$root" OMP_NUM_THREADS="$THREADS" OPENBLAS_NUM_THREADS="$THREADS"
echo "explicable: $EXPLICABLE; data: $DATA; out: $OUT; $ARCH $LOSS scale $SCALE, subset $SUBSET, test subset" \
    "$TEST_SUBSET, $EPOCHS epochs, seed $SEED, $THREADS thread(s) per process, nice $NICE" >&2

db="$OUT/bench.sqlite"
rm -f "$db"
"$EXPLICABLE" matrix import paper-chl "$DATA/paper/cifar10_CHL_cmat.npy" --classes cifar10 --db "$db" >&2
rm -rf "$OUT/export"
"$EXPLICABLE" matrix export paper-chl --torch "$OUT/export" --db "$db" >&2

recipe=(--arch "$ARCH" --loss "$LOSS" --subset "$SUBSET" --test-subset "$TEST_SUBSET" --epochs "$EPOCHS"
        --seed "$SEED")
[ "$LOSS" = ce ] || recipe+=(--scale "$SCALE")

run_explicable() {
    local out="$OUT/explicable"
    if [ "$REUSE" = 1 ] && [ -f "$out/metrics.json" ]; then echo "reusing $out" >&2; return; fi
    rm -rf "$out"
    local matrix=()
    [ "$LOSS" = ce ] || matrix=(--matrix chl)
    mkdir -p "$OUT/times"
    EXPLICABLE_THREADS="$THREADS" nice -n "$NICE" "$python" "$here/timed.py" "$OUT/times/explicable.json" explicable \
        "$EXPLICABLE" train --data "$DATA" "${recipe[@]}" "${matrix[@]}" --eval-matrix chl --out "$out" --json >&2
}

run_torch() {
    local procs=$1 out="$OUT/torch-${1}p"
    if [ "$REUSE" = 1 ] && [ -f "$out/metrics.json" ]; then echo "reusing $out" >&2; return; fi
    rm -rf "$out"
    mkdir -p "$OUT/times"
    nice -n "$NICE" "$python" "$here/timed.py" "$OUT/times/torch-${procs}p.json" "torch-${procs}p" \
        "$venv/bin/torchrun" --nproc_per_node="$procs" --master_port=$((29500 + procs)) \
        "$OUT/export/train_ddp.py" --export "$OUT/export" --data "$DATA" "${recipe[@]}" --threads "$THREADS" \
        --eval-matrix-name chl --out "$out" >&2
}

run_explicable
for p in $PROCS; do run_torch "$p"; done

runs=("$OUT/explicable")
for p in $PROCS; do runs+=("$OUT/torch-${p}p"); done
"$EXPLICABLE" compare "${runs[@]}" --data "$DATA" --eval-matrix chl --bootstrap 1000 --seed 0 | tee "$OUT/compare.txt"
"$EXPLICABLE" compare "${runs[@]}" --data "$DATA" --eval-matrix chl --bootstrap 1000 --seed 0 --json > "$OUT/compare.json"
"$python" "$here/ddp_table.py" --times "$OUT/times" "${runs[@]}"
