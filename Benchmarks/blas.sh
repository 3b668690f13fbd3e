#!/usr/bin/env bash
# sgemm GFLOP/s: Debian's OpenBLAS (through Training.BLAS) against numpy's bundled OpenBLAS, same shapes,
# 1 and 2 threads, in one run. JSON lines on stdout, then a side-by-side table on stderr.
# Extra environment for the Swift side (e.g. OPENBLAS_CORETYPE=Haswell) passes through; the numpy peer
# runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset so it picks its own kernel.
set -euo pipefail
cd "$(dirname "$0")"
[ -x ../.venv-bench/bin/python ] || SKIP_TORCH=1 ./setup-venv.sh >&2
swift build -c release --product BLASBenchmark >&2
bin=$(swift build -c release --show-bin-path)/BLASBenchmark
out=$(mktemp)
for t in 1 2; do
    OPENBLAS_NUM_THREADS=$t "$bin" $t | tee -a "$out"
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=$t ../.venv-bench/bin/python blas_peer.py | tee -a "$out"
done
python3 - "$out" >&2 <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
impls = sorted({r["impl"] + " [" + r["core"] + "]" for r in rows})
print("impl:", "; ".join(impls))
shapes = list(dict.fromkeys(r["shape"] for r in rows))
g = {(r["shape"], r["threads"], r["impl"].startswith("numpy")): r["gflops"] for r in rows}
print(f'{"shape":28} {"m":>5} {"n":>7} {"k":>7} | {"deb 1t":>7} {"np 1t":>7} | {"deb 2t":>7} {"np 2t":>7}')
for s in shapes:
    r = next(r for r in rows if r["shape"] == s)
    print(f'{s:28} {r["m"]:5} {r["n"]:7} {r["k"]:7} | {g.get((s,1,False),0):7} {g.get((s,1,True),0):7} | '
          f'{g.get((s,2,False),0):7} {g.get((s,2,True),0):7}')
PY
rm -f "$out"
