#!/usr/bin/env python3
"""Baseline timing: a 200x200 path-similarity matrix in the Python `wn` package.

Takes the first 200 classes of wordnet/imagenet1k.tsv, loads `oewn:2025` from a wn data
directory (adding the LMF there first if it is missing; that takes ~45 s and is not timed),
then times building the full 200x200 matrix of wn.similarity.path(a, b) (simulate_root=False,
all 40,000 ordered pairs, diagonal included, no symmetry shortcut). Synset lookup is done before
timing. Reports the median wall-clock time of --runs runs (default 3) as one JSON line on
stdout (per-run wall and CPU times go to stderr):

  {"bench":"wn_path_200","impl":"wn-python","seconds":...,"pairs":40000}

Usage (from the repository root):
  python3 Benchmarks/wn_path_bench.py --wn-data /tmp/wn-data

glibc malloc: unless --no-malloc-tuning is given, the script re-executes itself with
MALLOC_TRIM_THRESHOLD_ and MALLOC_MMAP_THRESHOLD_ raised. Without that, on the (VM) machines we
measured on, glibc keeps handing freed memory back to the kernel and faulting it in again: from
the second run on, a 200x200 matrix took millions of minor page faults and about 4-5x the time
of the first run (run 1 ~145 s, runs 2-3 ~720 s), so the median measured page-fault cost rather
than wn. With the tuning every run costs the same as a first run.
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_LMF = os.path.join(REPO, "..", "shared", "data", "wordnet", "english-wordnet-2025.xml.gz")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wn-data", help="wn data directory to use/reuse (default: a temp dir)")
    ap.add_argument("--lmf", default=DEFAULT_LMF)
    ap.add_argument("--classes", default=os.path.join(REPO, "wordnet", "imagenet1k.tsv"))
    ap.add_argument("-n", type=int, default=200, help="number of classes (default 200)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-malloc-tuning", action="store_true",
                    help="do not raise glibc's malloc trim/mmap thresholds (see above)")
    args = ap.parse_args()

    if not args.no_malloc_tuning and "MALLOC_TRIM_THRESHOLD_" not in os.environ:
        os.environ["MALLOC_TRIM_THRESHOLD_"] = str(1 << 31)
        os.environ["MALLOC_MMAP_THRESHOLD_"] = str(1 << 25)  # glibc maximum (32 MiB)
        os.execv(sys.executable, [sys.executable] + sys.argv)

    import wn
    import wn.similarity

    tmp = None
    if args.wn_data:
        os.makedirs(args.wn_data, exist_ok=True)
        wn.config.data_directory = args.wn_data
    else:
        tmp = tempfile.mkdtemp(prefix="wn-data-")
        wn.config.data_directory = tmp
    try:
        if "oewn:2025" not in [lx.specifier() for lx in wn.lexicons()]:
            wn.add(args.lmf, progress_handler=None)
        w = wn.Wordnet("oewn:2025")
        with open(args.classes, encoding="utf-8") as f:
            f.readline()
            ids = [line.split("\t")[2] for line in f][: args.n]
        synsets = [w.synset(i) for i in ids]

        times, cpu = [], []
        for run in range(args.runs):
            t, c = time.perf_counter(), time.process_time()
            m = [[wn.similarity.path(a, b) for b in synsets] for a in synsets]
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            assert len(m) == len(synsets)
            print(f"run {run + 1}: {times[-1]:.3f} s wall, {cpu[-1]:.3f} s CPU",
                  file=sys.stderr, flush=True)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps({"bench": f"wn_path_{args.n}", "impl": "wn-python",
                      "seconds": round(statistics.median(times), 3),
                      "pairs": len(synsets) ** 2}, separators=(",", ":")))


if __name__ == "__main__":
    main()
