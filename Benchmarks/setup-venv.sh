#!/usr/bin/env bash
# Creates Benchmarks' Python peer environment in ../.venv-bench (gitignored): numpy, threadpoolctl, torch and
# torchvision (with Pillow; the recipe's ImageFolder path, Benchmarks/imagefolder.sh).
# PyPI only: its Linux torch wheel is the CUDA build (large); the benchmarks use it on CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-bench
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet numpy threadpoolctl
if [ "${SKIP_TORCH:-0}" != 1 ]; then "$venv/bin/pip" install --quiet torch torchvision; fi
"$venv/bin/python" -c 'import numpy, threadpoolctl; print("numpy", numpy.__version__)'
"$venv/bin/python" -c 'import torch; print("torch", torch.__version__)' || echo "torch not available"
"$venv/bin/python" -c 'import torchvision; print("torchvision", torchvision.__version__)' \
    || echo "torchvision not available"
