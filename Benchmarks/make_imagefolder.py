"""Writes a small ImageFolder tree of real CIFAR-10 images, for the exported recipe's `--dataset imagefolder`.

    make_imagefolder.py --data DATA --out TREE [--train 2500] [--test 1000] [--seed 0]
                        [--class-map wordnet/cifar10.tsv] [--format png|jpeg] [--extra-folder NAME]

TREE/train/FOLDER/NNNNN.EXT and TREE/val/FOLDER/NNNNN.EXT: explicable's stratified subsets of the
CIFAR-10 binary release in DATA (the images `explicable train --subset N --test-subset M --seed S`
trains and tests on), one file per image named by its index in the release. FOLDER is ImageNet's
form of the class's WordNet 3.0 offset from the class map's `pwn30` column (`02691156-n` becomes
`n02691156`), so the tree reads only through `--class-map` (or by the labels with `--class-map ''`).
`--extra-folder NAME` adds TREE/train/NAME holding one image: a folder that is no class, which the
recipe must refuse. Needs NumPy and Pillow; reads explicable_data.py from templates/pytorch.
"""
import argparse
import csv
import os
import sys

import numpy as np
from PIL import Image

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(here), "templates", "pytorch"))
import explicable_data as D  # noqa: E402


def folder_names(class_map, labels):
    """Class label -> folder name: the map's pwn30 offset in ImageNet's form, or the label itself."""
    if not class_map:
        return {label: label for label in labels}
    with open(class_map, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    names = {row["label"]: "n" + row["pwn30"][:-2] for row in rows if row.get("pwn30", "").endswith("-n")}
    missing = [label for label in labels if label not in names]
    if missing:
        raise D.DataError(f"{class_map}: no pwn30 offset for {', '.join(missing)}")
    return names


def write_split(root, images, labels, indices, classes, names, extension):
    for index in indices:
        folder = os.path.join(root, names[classes[labels[index]]])
        os.makedirs(folder, exist_ok=True)
        picture = Image.fromarray(np.ascontiguousarray(images[index].transpose(1, 2, 0)))
        picture.save(os.path.join(folder, f"{index:05d}.{extension}"), **({"quality": 95} if extension == "jpg" else {}))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", help="explicable's data folder (default: $EXPLICABLE_DATA, else ~/.cache/explicable)")
    p.add_argument("--out", required=True, help="the tree's root (must not exist)")
    p.add_argument("--train", type=int, default=2500, help="training images (stratified subset)")
    p.add_argument("--test", type=int, default=1000, help="test images (stratified subset)")
    p.add_argument("--seed", type=int, default=0, help="subset seed, as explicable train --seed")
    p.add_argument("--class-map", default=os.path.join(os.path.dirname(here), "wordnet", "cifar10.tsv"),
                   help="TSV whose pwn30 column names the folders ('' names them by the labels)")
    p.add_argument("--format", choices=["png", "jpeg"], default="png")
    p.add_argument("--extra-folder", help="also write train/NAME, a folder that is not a class")
    args = p.parse_args(argv)
    if os.path.exists(args.out):
        raise D.DataError(f"{args.out}: exists; pass a new folder")
    root = D.data_folder(args.data)
    x, y, classes = D.read_cifar10(root, "train")
    tx, ty, _ = D.read_cifar10(root, "test")
    names = folder_names(args.class_map, classes)
    extension = "png" if args.format == "png" else "jpg"
    temporary = f"{args.out}.tmp-{os.getpid()}"
    write_split(os.path.join(temporary, "train"), x, y, D.stratified_subset(y, args.train, args.seed, 10), classes,
                names, extension)
    write_split(os.path.join(temporary, "val"), tx, ty, D.stratified_subset(ty, args.test, args.seed + 1, 10),
                classes, names, extension)
    if args.extra_folder:
        write_split(os.path.join(temporary, "train"), x, y, [0], [args.extra_folder] * 10,
                    {args.extra_folder: args.extra_folder}, extension)
    os.replace(temporary, args.out)
    print(f"{args.out}: {args.train} training and {args.test} test images of {len(classes)} classes "
          f"({args.format}, folders {', '.join(sorted(names[c] for c in classes)[:3])}, ...)"
          + (f", plus train/{args.extra_folder}" if args.extra_folder else ""))


if __name__ == "__main__":
    try:
        main()
    except D.DataError as error:
        print(f"Error: {error}", file=sys.stderr)
        sys.exit(2)
