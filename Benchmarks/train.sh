#!/usr/bin/env bash
# Training and inference images/s of explicable against PyTorch (2 threads), same architecture and batch,
# in one run. Arguments: architecture (cnn-s), batch (128), timed steps (10). JSON lines on stdout, then a
# side-by-side table with the ratios on stderr. CONV=im2col runs our convolutions on im2col + sgemm
# instead of the direct 3×3 kernels (for comparison). PEER_VENVS (default ../.venv-bench): the Python
# environments whose PyTorch runs as the peer, one after another (e.g. "../.venv-bench ../.venv-tv" for the
# CPU wheel and PyPI's CUDA build run on the CPU).
set -euo pipefail
cd "$(dirname "$0")"
[ -x ../.venv-bench/bin/python ] || ./setup-venv.sh >&2
swift build -c release --product TrainBenchmark >&2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$(swift build -c release --show-bin-path)/TrainBenchmark" "$@" | tee -a "$out"
for venv in ${PEER_VENVS:-../.venv-bench}; do
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$venv/bin/python" train_peer.py "$@" | tee -a "$out"
done
python3 train_table.py "$out" >&2
