#!/usr/bin/env bash
# The exported PyTorch recipe on an ImageFolder tree (`--dataset imagefolder`), proven by a run (issue #17).
# Not run in CI: it needs the PyTorch and torchvision wheels (./setup-venv.sh).
#
# 1. `explicable matrix export --torch` of the paper's CHL matrix;
# 2. make_imagefolder.py: a tree of real CIFAR-10 PNGs (explicable's stratified subsets) in folders named
#    like ImageNet's (n02691156 …), read through `--class-map wordnet/cifar10.tsv`; and a tree with one
#    folder that is no class, which the recipe must refuse (workers exit 2, one line, no run folder);
# 3. `torchrun --nproc_per_node=P train_ddp.py --dataset imagefolder` for each P in PROCS, into OUT/folder-Pp;
# 4. the last P again, stopped mid-epoch by --max-steps and continued with --resume, into OUT/folder-resumed
#    (its metrics must equal the uninterrupted run's: augmentation is seeded by seed, epoch and image);
# 5. `explicable compare` and `explicable report` of the runs, and ddp_table.py's table.
#
# Environment (defaults in brackets): EXPLICABLE [this checkout's .build/release/explicable, else debug],
# DATA [$EXPLICABLE_DATA, else ../../shared/data], OUT [a new temporary folder], TRAIN [2500], TEST [1000],
# EPOCHS [2], SEED [0], ARCH [cnn-s], SIZE [32], LOSS [wlf], SCALE [1], PROCS ["1 2"], THREADS [1],
# WORKERS [1: DataLoader workers per process], STOP [30: --max-steps of the interrupted run], NICE [10],
# VENV [../.venv-bench, made by ./setup-venv.sh when it lacks torch or torchvision: the Python environment].
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
venv="${VENV:-$root/.venv-bench}"
python="$venv/bin/python"
"$python" -c 'import torch, torchvision' 2>/dev/null || [ -n "${VENV:-}" ] || "$here/setup-venv.sh" >&2
if [ -z "${EXPLICABLE:-}" ]; then
    EXPLICABLE="$root/.build/release/explicable"
    [ -x "$EXPLICABLE" ] || EXPLICABLE="$root/.build/debug/explicable"
fi
DATA="${DATA:-${EXPLICABLE_DATA:-$root/../shared/data}}"
OUT="${OUT:-$(mktemp -d)}"
TRAIN="${TRAIN:-2500}" TEST="${TEST:-1000}" EPOCHS="${EPOCHS:-2}" SEED="${SEED:-0}" ARCH="${ARCH:-cnn-s}"
SIZE="${SIZE:-32}" LOSS="${LOSS:-wlf}" SCALE="${SCALE:-1}" PROCS="${PROCS:-1 2}" THREADS="${THREADS:-1}"
WORKERS="${WORKERS:-1}" STOP="${STOP:-30}" NICE="${NICE:-10}"
mkdir -p "$OUT/times"
export EXPLICABLE_HOME="$root" OMP_NUM_THREADS="$THREADS" OPENBLAS_NUM_THREADS="$THREADS"
echo "explicable: $EXPLICABLE; data: $DATA; out: $OUT; $ARCH $LOSS, $TRAIN/$TEST images, $EPOCHS epochs," \
    "seed $SEED, $THREADS thread(s) and $WORKERS loader worker(s) per process, nice $NICE" >&2

db="$OUT/bench.sqlite"
rm -f "$db"
"$EXPLICABLE" matrix import paper-chl "$DATA/paper/cifar10_CHL_cmat.npy" --classes cifar10 --db "$db" >&2
rm -rf "$OUT/export" "$OUT/tree" "$OUT/tree-bad"
"$EXPLICABLE" matrix export paper-chl --torch "$OUT/export" --db "$db" >&2
"$python" "$here/make_imagefolder.py" --data "$DATA" --out "$OUT/tree" --train "$TRAIN" --test "$TEST" --seed "$SEED"
"$python" "$here/make_imagefolder.py" --data "$DATA" --out "$OUT/tree-bad" --train 100 --test 50 \
    --extra-folder n99999999

folder=(--dataset imagefolder --train-dir "$OUT/tree/train" --val-dir "$OUT/tree/val"
        --class-map "$root/wordnet/cifar10.tsv" --image-size "$SIZE" --arch "$ARCH" --loss "$LOSS" --scale "$SCALE"
        --epochs "$EPOCHS" --seed "$SEED" --threads "$THREADS" --workers "$WORKERS" --eval-matrix-name chl)

torchrun() {  # torchrun PROCS PORT ARG…
    local procs=$1 port=$2
    shift 2
    nice -n "$NICE" "$venv/bin/torchrun" --nproc_per_node="$procs" --master_port="$port" \
        "$OUT/export/train_ddp.py" --export "$OUT/export" "$@"
}

# A folder that is no class: refused before training, one line, nothing written. The workers exit with
# status 2 (bad input); torchrun itself reports any failed worker with status 1.
rm -rf "$OUT/refused"
status=0
torchrun 2 29620 "${folder[@]}" --train-dir "$OUT/tree-bad/train" --val-dir "$OUT/tree-bad/val" \
    --out "$OUT/refused" 2> "$OUT/refused.err" || status=$?
message=$(grep '^Error: ' "$OUT/refused.err" || true)
echo "refusal: torchrun exit $status, worker exit codes $(grep -o 'exitcode: [0-9]*' "$OUT/refused.err" | sort -u \
    | tr '\n' ' '); $message" >&2
if [ "$status" = 0 ] || [ "$(printf '%s\n' "$message" | grep -c .)" != 1 ] || [ -e "$OUT/refused" ] \
    || ! grep -q 'unknown folders: n99999999' <<< "$message" || ! grep -q 'failed (exitcode: 2)' "$OUT/refused.err"; then
    echo "the tree with a folder that is no class was not refused as expected (see $OUT/refused.err)" >&2
    exit 1
fi

runs=()
for p in $PROCS; do
    rm -rf "$OUT/folder-${p}p"
    "$python" "$here/timed.py" "$OUT/times/folder-${p}p.json" "folder-${p}p" \
        nice -n "$NICE" "$venv/bin/torchrun" --nproc_per_node="$p" --master_port=$((29620 + p)) \
        "$OUT/export/train_ddp.py" --export "$OUT/export" "${folder[@]}" --out "$OUT/folder-${p}p" >&2
    runs+=("$OUT/folder-${p}p")
    last=$p
done

# Stopped inside an epoch, then resumed from the checkpoint.
rm -rf "$OUT/folder-resumed"
torchrun "$last" 29630 "${folder[@]}" --out "$OUT/folder-resumed" --max-steps "$STOP" >&2
torchrun "$last" 29631 "${folder[@]}" --out "$OUT/folder-resumed" --resume >&2
runs+=("$OUT/folder-resumed")
"$python" - "$OUT/folder-${last}p" "$OUT/folder-resumed" <<'EOF'
import sys
import numpy as np
a, b = sys.argv[1:3]
same = all(np.array_equal(np.load(f"{a}/{n}"), np.load(f"{b}/{n}")) for n in ("predictions.npy", "labels.npy"))
gap = float(np.abs(np.load(f"{a}/probabilities.npy") - np.load(f"{b}/probabilities.npy")).max())
print(f"resumed run vs uninterrupted: predictions {'equal' if same else 'DIFFER'}, largest probability "
      f"difference {gap:.2g}", file=sys.stderr)
sys.exit(0 if same and gap <= 1e-5 else 1)
EOF

"$EXPLICABLE" compare "${runs[@]}" --data "$DATA" --eval-matrix chl --bootstrap 1000 --seed 0 | tee "$OUT/compare.txt"
report=()
for r in "${runs[@]}"; do report+=(--run "$r"); done
"$EXPLICABLE" report "${report[@]}" --data "$DATA" --eval-matrix chl --db "$db" --title "ImageFolder runs" \
    -o "$OUT/report.html" >&2
"$python" "$here/ddp_table.py" --times "$OUT/times" "${runs[@]}"
