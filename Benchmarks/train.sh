#!/usr/bin/env bash
# Training and inference images/s of explicable against PyTorch (2 threads), same architecture and batch,
# in one run. Arguments: architecture (cnn-s), batch (128), timed steps (10). JSON lines on stdout, then a
# side-by-side table with the ratios on stderr. CONV=im2col runs our convolutions on im2col + sgemm
# instead of the direct 3×3 kernels (for comparison).
set -euo pipefail
cd "$(dirname "$0")"
[ -x ../.venv-bench/bin/python ] || ./setup-venv.sh >&2
swift build -c release --product TrainBenchmark >&2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$(swift build -c release --show-bin-path)/TrainBenchmark" "$@" | tee -a "$out"
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ../.venv-bench/bin/python train_peer.py "$@" | tee -a "$out"
python3 train_table.py "$out" >&2
