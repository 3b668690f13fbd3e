#!/usr/bin/env python3
"""SYNTHETIC load-test input: ImageNet-1k's validation set (50,000 images) x 200 labels each.

Writes, in OUT_DIR:
  imagenet-val-labels.json   an instance-label study spec over the `imagenet1k` class set whose
                             `images` list names the 50,000 validation images
                             (ILSVRC2012_val_00000001.JPEG ...) with a made-up true class each
  labels.csv                 a long CSV (`annotator,item,value,rt_ms`, the `--format long` layout):
                             10,000,000 rows, 200 labels per image from 10,000 made-up annotators
                             who label 1,000 images each (no one sees an image twice); 80% of the
                             labels are the true class, the rest a uniformly random class

Nothing is real: not the true classes, not the annotators, not the labels. Used only to
benchmark `explicable study import` at ImageNet scale (Benchmarks/run-import-imagenet.sh).
Deterministic for a seed. About 300 MB of CSV.

Usage: python3 Benchmarks/make_imagenet_labels.py OUT_DIR [--images 50000] [--labels 200] [--seed 0]
"""
import argparse
import json
import os

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--images", type=int, default=50_000)
    ap.add_argument("--labels", type=int, default=200, help="labels per image")
    ap.add_argument("--per-annotator", type=int, default=1_000, help="images each annotator labels")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    assert args.images % args.per_annotator == 0, "--images must be a multiple of --per-annotator"
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    classes = 1000
    truth = rng.integers(0, classes, size=args.images)
    spec = {
        "name": "imagenet-val-labels",
        "design": "instance-label",
        "title": "What is in this picture?",
        "instructions": "Pick the category that best describes each photo.",
        "classSet": "imagenet1k",
        "question": "Which category does this image belong to?",
        "ratingsPerItem": args.labels,
        "itemsPerAssignment": args.per_annotator,
        "images": {"source": "list", "list": [
            {"image": f"imagenet-val:ILSVRC2012_val_{i + 1:08d}.JPEG", "trueClass": int(truth[i])}
            for i in range(args.images)]},
        "attentionChecksPerAssignment": 0,
        "attentionChecks": [],
        "platform": "mturk",
        "pay": {"rewardPerAssignment": 5.0, "currency": "USD", "estimatedMinutes": 60},
        "qc": {"maxFailedAttentionChecks": 0, "maxSameAnswerShare": 0.9, "maxAssignmentsPerWorker": 1},
        "seed": args.seed,
    }
    with open(os.path.join(args.out, "imagenet-val-labels.json"), "w") as f:
        json.dump(spec, f)
    # Annotator a of round r labels the images of block (a + r) mod blocks: each image gets one
    # label per round from a different annotator, and no annotator sees an image twice.
    blocks = args.images // args.per_annotator
    annotators_per_round = blocks
    rounds = args.labels
    with open(os.path.join(args.out, "labels.csv"), "w") as f:
        f.write("annotator,item,value,rt_ms\n")
        for r in range(rounds):
            lines = []
            for b in range(blocks):
                annotator = r * annotators_per_round + b
                images = np.arange(b * args.per_annotator, (b + 1) * args.per_annotator)
                rng.shuffle(images)
                correct = rng.random(images.size) < 0.8
                values = np.where(correct, truth[images], rng.integers(0, classes, size=images.size))
                rts = rng.integers(400, 4000, size=images.size)
                lines.extend(f"w{annotator},{i},{v},{t}\n" for i, v, t in zip(images.tolist(), values.tolist(),
                                                                              rts.tolist()))
            f.write("".join(lines))


if __name__ == "__main__":
    main()
