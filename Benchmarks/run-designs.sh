#!/usr/bin/env bash
# Cost of quality per class-pair design, in simulation (issue #16): full design (46 raters per pair),
# uniform random allocation, sparse (prior neighbours + random pairs), class-neighbour screens and
# adaptive allocation (the study server's AdaptiveAllocator itself, its prior min–max scaled;
# CALIBRATE=1 calibrates it on the ratings, adaptive.calibratePrior), on the same truth with the same rater model (fitted on WordSim-353 set 1),
# SEEDS seeds each. Prints JSON lines (one per class set, seed and design, then a summary per design
# with the median and range over seeds). Quality = mean total-variation distance of the WLF target
# rows (scales 1 and 2) to the truth's; the target is the full design's quality in the same seed.
#
#   Benchmarks/run-designs.sh [cifar10,cifar100,imagenet1k]     (SEEDS=5, CARELESS=0.1, CALIBRATE=0, DATA=../shared/data)
#
# Benchmarks/design_bound.py PRIORS estimates what an oracle design would need in the same setting.
#
# Truths: CIFAR-10 = the paper's published CHL; CIFAR-100 and ImageNet-1k = `explicable matrix truth`'s
# construction (seed = the benchmark seed). Priors: OEWN 2025 `path`, built once with the release CLI.
set -euo pipefail
cd "$(dirname "$0")"
classes=${1:-cifar10,cifar100,imagenet1k}
data=$(cd "${DATA:-../../shared/data}" && pwd)
priors=${PRIORS:-$(mktemp -d)}
swift build -c release --product DesignBenchmark >&2
bench=$(swift build -c release --show-bin-path)/DesignBenchmark
cli=${EXPLICABLE:-../.build/release/explicable}
[ -x "$cli" ] || cli=../.build/debug/explicable
for c in ${classes//,/ } cifar10; do
  [ -f "$priors/path-$c.npy" ] && continue
  "$cli" matrix build "path-$c" --from wordnet:path --classes "$c" --db "$priors/priors.sqlite" --data "$data" >/dev/null
  "$cli" matrix export "path-$c" -o "$priors/path-$c.npy" --db "$priors/priors.sqlite" >/dev/null
done
"$bench" --data "$data" --priors "$priors" --classes "$classes" --seeds "${SEEDS:-5}" --careless "${CARELESS:-0.1}" \
  --calibrate-prior "${CALIBRATE:-0}"
