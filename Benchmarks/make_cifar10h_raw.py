#!/usr/bin/env python3
"""SYNTHETIC load-test input: a CIFAR-10H raw-layout CSV expanded from the real counts matrix.

CIFAR-10H's published counts (../shared/data/cifar10h/cifar10h-counts.npy, 10,000 images x 10
classes) say how many people chose each class for each test image; this script turns them back
into one trial row per label, in CIFAR-10H's raw column layout, with made-up annotators (200
trials + 10 attention checks each, one per class, as in CIFAR-10H and
studies/cifar10-instance-labels.json), reaction times and timestamps. The rows are
synthetic: only the per-image counts are real. Used only to benchmark `explicable study import`.

Usage: python3 Benchmarks/make_cifar10h_raw.py OUT.csv [--counts PATH] [--seed 0]
"""
import argparse
import csv
import os
import random

import numpy as np

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--counts", default=os.path.join(REPO, "..", "shared", "data", "cifar10h", "cifar10h-counts.npy"))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    counts = np.load(args.counts).astype(int)
    with open(os.path.join(os.path.dirname(args.counts), "..", "cifar-10-batches-bin", "test_batch.bin"), "rb") as f:
        raw = f.read()
    true = [raw[i * 3073] for i in range(10000)]
    rng = random.Random(args.seed)
    trials = [(image, chosen) for image in range(counts.shape[0]) for chosen in range(10)
              for _ in range(counts[image, chosen])]
    # Deal labels round-robin so that an image's labels go to different annotators (no one sees an
    # image twice), then shuffle each annotator's trials.
    annotators = (len(trials) + 199) // 200
    blocks = [trials[a::annotators] for a in range(annotators)]
    for block in blocks:
        rng.shuffle(block)
    rows = 0
    with open(args.out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["annotator_id", "trial_index", "is_attn_check", "true_category", "chosen_category", "true_label",
                    "chosen_label", "correct_guess", "cifar10_test_set_idx", "image_filename", "subcategory",
                    "reaction_time", "time_elapsed"])
        annotator = 0
        for block in blocks:
            elapsed = 0
            checks = sorted(rng.sample(range(len(block) + 10), 10))
            check_classes = rng.sample(range(10), 10)  # one check per class, as the instance-label spec has
            trial_index, j = 0, 0
            for position in range(len(block) + 10):
                rt = round(rng.lognormvariate(7.0, 0.5), 1)
                elapsed += int(rt) + 300
                if position in checks:
                    c = check_classes[checks.index(position)]
                    w.writerow([annotator, trial_index, 1, CLASSES[c], CLASSES[c], c, c, 1, -99999,
                                f"attn/{CLASSES[c]}.png", "attention", rt, elapsed])
                else:
                    image, chosen = block[j]
                    j += 1
                    t = true[image]
                    w.writerow([annotator, trial_index, 0, CLASSES[t], CLASSES[chosen], t, chosen, int(t == chosen),
                                image, f"{CLASSES[t]}/test_{image}.png", "synthetic", rt, elapsed])
                trial_index += 1
                rows += 1
            annotator += 1
    print(f"wrote {rows} synthetic rows ({len(trials)} labels + attention checks, {annotator} annotators) to {args.out}")


if __name__ == "__main__":
    main()
