"""Side-by-side table of Benchmarks/train.sh's JSON lines: images/s of explicable and each PyTorch
peer per architecture and mode, the median over repeated runs in the files, and the ratio of the
medians (ours / peer); then the convolutions' GFLOP/s per core."""
import json
import statistics
import sys

rows = [json.loads(line) for path in sys.argv[1:] for line in open(path) if line.startswith("{")]
speeds = {}
for r in rows:
    if r.get("mode") in ("train", "inference"):
        speeds.setdefault((r["arch"], r["batch"], r["mode"]), {}).setdefault(r["impl"], []).append(r["images_per_s"])
peers = sorted({r["impl"] for r in rows if r["impl"] != "explicable"})
print("images/s, median of runs (runs in brackets); ratio = explicable / peer")
header = f'{"arch":10} {"batch":>5} {"mode":10} | {"explicable":>14}'
for peer in peers:
    header += f" | {peer:>26} {'ratio':>6}"
print(header)
for (arch, batch, mode), s in sorted(speeds.items()):
    ours = s.get("explicable", [])
    line = f'{arch:10} {batch:5} {mode:10} | {statistics.median(ours) if ours else 0:9.1f} ({len(ours)})'
    for peer in peers:
        theirs = s.get(peer, [])
        ratio = f"{statistics.median(ours) / statistics.median(theirs):.2f}x" if ours and theirs else "-"
        line += f" | {statistics.median(theirs) if theirs else 0:21.1f} ({len(theirs)}) {ratio:>6}"
    print(line)
for mode, what in (("conv-total", "top-level conv layers"), ("conv-all", "every convolution, run alone")):
    values = {}
    for r in rows:
        if r.get("mode") == mode:
            values.setdefault(r["arch"], []).append(r["gflops_per_core"])
    for arch, v in sorted(values.items()):
        print(f"{arch}: {what} {statistics.median(v):.1f} GFLOP/s per core (forward + backward, processor time)")
