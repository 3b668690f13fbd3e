"""Side-by-side table of run folders for Benchmarks/ddp.sh: top-1, mistake severity and explicable
rate (from each run's metrics.json), and training images/s (per epoch from history.jsonl; for the
PyTorch runs also over the whole run, without the evaluations). One JSON line per run on stdout,
then a Markdown table.

Usage: ddp_table.py [--times DIR] RUN_DIR...   (DIR/NAME.json from timed.py: wall and CPU seconds, load)
"""
import json
import os
import sys


def summary(folder, times=None):
    with open(os.path.join(folder, "metrics.json"), encoding="utf-8") as f:
        metrics = json.load(f)
    with open(os.path.join(folder, "history.jsonl"), encoding="utf-8") as f:
        history = [json.loads(line) for line in f if line.strip()]
    name = os.path.basename(os.path.normpath(folder))
    timing = {}
    if times and os.path.exists(os.path.join(times, name + ".json")):
        with open(os.path.join(times, name + ".json"), encoding="utf-8") as f:
            timing = json.load(f)
    per_epoch = [round(h["samples_per_second"], 1) for h in history]
    seen = sum(h["samples_per_second"] * h["seconds"] for h in history)
    seconds = sum(h["seconds"] for h in history)
    return {
        "run": name,
        "framework": metrics.get("framework", "explicable"),
        "processes": metrics.get("world_size", 1),
        "test_images": metrics["count"],
        "top1": metrics["top1"],
        "mistake_severity": metrics.get("mistake_severity"),
        "explicable_mistake_rate": metrics.get("explicable_mistake_rate"),
        "images_per_second_by_epoch": per_epoch,
        "train_images_per_second": round(seen / seconds, 1) if seconds else None,
        "train_seconds": round(seconds, 1),
        "wall_seconds": timing.get("wall_seconds"),
        "cpu_seconds": timing.get("cpu_seconds"),
        "load": [timing.get("load_before"), timing.get("load_after")] if timing else None,
    }


def main():
    args, times = sys.argv[1:], None
    if args[:1] == ["--times"]:
        times, args = args[1], args[2:]
    rows = [summary(folder, times) for folder in args]
    for row in rows:
        print(json.dumps(row))
    print()
    print("| run | processes | top-1 | severity (CHL) | explicable (CHL) | train images/s (per epoch) | wall s | CPU s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        sev = "–" if r["mistake_severity"] is None else f"{r['mistake_severity']:.3f}"
        rate = "–" if r["explicable_mistake_rate"] is None else f"{100 * r['explicable_mistake_rate']:.1f}%"
        epochs = ", ".join(f"{v:.0f}" for v in r["images_per_second_by_epoch"])
        print(f"| {r['run']} | {r['processes']} | {100 * r['top1']:.2f}% | {sev} | {rate} | "
              f"{r['train_images_per_second']} ({epochs}) | {r['wall_seconds']} | {r['cpu_seconds']} |")


if __name__ == "__main__":
    main()
