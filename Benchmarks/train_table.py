"""Side-by-side table of Benchmarks/train.sh's JSON lines: images/s of explicable and PyTorch per
architecture and mode, the median over repeated runs in the file, and the ratio of the medians."""
import json
import statistics
import sys

rows = [json.loads(line) for path in sys.argv[1:] for line in open(path) if line.startswith("{")]
speeds = {}
for r in rows:
    if r.get("mode") in ("train", "inference"):
        side = "ours" if r["impl"] == "explicable" else "peer"
        speeds.setdefault((r["arch"], r["batch"], r["mode"]), {"ours": [], "peer": []})[side].append(r["images_per_s"])
gflops = {}
for r in rows:
    if r.get("mode") == "conv-total":
        gflops.setdefault(r["arch"], []).append(r["gflops_per_core"])
peers = sorted({r["impl"] for r in rows if r["impl"] != "explicable"})
print("images/s, median of runs; peer: " + (", ".join(peers) or "none"))
print(f'{"arch":10} {"batch":>5} {"mode":10} | {"ours":>8} {"peer":>8} {"ratio":>6} {"runs":>4}')
for (arch, batch, mode), s in sorted(speeds.items()):
    ours = statistics.median(s["ours"]) if s["ours"] else None
    peer = statistics.median(s["peer"]) if s["peer"] else None
    ratio = f"{ours / peer:.2f}x" if ours and peer else "-"
    print(f'{arch:10} {batch:5} {mode:10} | {ours or 0:8.1f} {peer or 0:8.1f} {ratio:>6} {len(s["ours"]):4}')
for arch, values in sorted(gflops.items()):
    print(f"{arch}: conv layers {statistics.median(values):.1f} GFLOP/s per core (forward + backward, processor time)")
