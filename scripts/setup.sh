#!/usr/bin/env bash
# Installs what explicable needs and is missing, saying what and why; does nothing when all is there.
#   scripts/setup.sh build   system libraries the Swift build links (Debian/Ubuntu -dev packages)
#   scripts/setup.sh test    the above, plus Chromium and the Python packages the browser test uses
# Sourced by scripts/demo and scripts/test; safe to run again.
set -euo pipefail

need=${1:-build}
# package|why
build_packages=(
    "pkg-config|finds the C libraries below for the Swift build"
    "libxml2-dev|reads WordNet LMF files (libxml2)"
    "zlib1g-dev|reads .xml.gz and writes PNG images (zlib)"
    "libsqlite3-dev|the label store (SQLite, through GRDB)"
    "libopenblas-dev|the trainer's matrix products (OpenBLAS)"
    "libjpeg-dev|the JPEG corruption of the out-of-distribution sets (libjpeg)"
)
test_packages=(
    "chromium|the browser test drives study pages, a served study and the report in headless Chromium"
    "python3-pip|installs the browser test's Python packages"
)

missing=() reasons=()
check() {
    local entry=$1 name=${1%%|*} why=${1#*|}
    if ! dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$name") reasons+=("  $name: $why")
    fi
}
for p in "${build_packages[@]}"; do check "$p"; done
if [ "$need" = test ]; then for p in "${test_packages[@]}"; do check "$p"; done; fi

if [ ${#missing[@]} -gt 0 ]; then
    echo "explicable needs these Debian packages, which are missing:"
    printf '%s\n' "${reasons[@]}"
    sudo=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || { echo "run as root or install sudo, then try again" >&2; exit 1; }
        sudo=sudo
    fi
    echo "installing them with apt-get …"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "$need" = test ]; then
    pip_missing=()
    python3 -c "import websocket" 2>/dev/null || pip_missing+=("websocket-client")  # the browser test's DevTools client
    python3 -c "import numpy" 2>/dev/null || pip_missing+=("numpy")  # the PyTorch-export test runs the loss in NumPy
    if [ ${#pip_missing[@]} -gt 0 ]; then
        echo "the tests need these Python packages, which are missing: ${pip_missing[*]}; installing them with pip …"
        python3 -m pip install --quiet "${pip_missing[@]}" 2>/dev/null \
            || python3 -m pip install --quiet --break-system-packages "${pip_missing[@]}"
    fi
fi
