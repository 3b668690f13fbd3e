"""Data and run folders as explicable reads and writes them, in NumPy only (no PyTorch needed).

- CIFAR-10 and CIFAR-100 from the binary release in explicable's data folder (`--data DIR`, else
  `$EXPLICABLE_DATA`, else `~/.cache/explicable`): `DIR/cifar-10-batches-bin/data_batch_1..5.bin`,
  `test_batch.bin`; `DIR/cifar-100-binary/train.bin`, `test.bin` (fine or coarse labels). Nothing
  is downloaded: `explicable data fetch cifar10` puts the files there.
- `stratified_subset` draws exactly the indices `explicable train --subset N` (and `--test-subset`)
  draws for the same seed (SplitMix64, Swift's Fisher-Yates shuffle and Lemire's bounded integers),
  so a PyTorch run and an explicable run of one recipe train and test on the same images.
- `channel_statistics` is explicable's per-channel mean and deviation of the images in [0, 1].
- `image_folder_samples` lists an ImageFolder tree with classes in classes.txt's order (folders
  named by the labels, or mapped with `read_class_map`, e.g. ImageNet's n01440764 folders through
  explicable's `wordnet/imagenet1k.tsv`).
- `evaluate` computes explicable's metrics (top-1, top-5, mistake severity, explicable-mistake
  rate, hierarchical distance @1 and @5, confusion) from N x C probabilities.
- `write_run_folder` writes what `explicable train --out DIR` writes at the end of a run
  (`predictions.npy` int64, `probabilities.npy` float32 N x C, `labels.npy` int64, `metrics.json`,
  `classes.txt`), so `explicable compare` and `explicable report` read it like one of their own.
"""
import json
import os

import numpy as np

CIFAR10_LABELS = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
CIFAR100_FINE_LABELS = [
    "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle", "bowl", "boy",
    "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle", "chair", "chimpanzee", "clock",
    "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur", "dolphin", "elephant", "flatfish",
    "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard", "lamp", "lawn_mower", "leopard", "lion",
    "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain", "mouse", "mushroom", "oak_tree", "orange",
    "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree", "plain", "plate", "poppy", "porcupine",
    "possum", "rabbit", "raccoon", "ray", "road", "rocket", "rose", "sea", "seal", "shark", "shrew", "skunk",
    "skyscraper", "snail", "snake", "spider", "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank",
    "telephone", "television", "tiger", "tractor", "train", "trout", "tulip", "turtle", "wardrobe", "whale",
    "willow_tree", "wolf", "woman", "worm",
]
CIFAR100_COARSE_LABELS = [
    "aquatic_mammals", "fish", "flowers", "food_containers", "fruit_and_vegetables", "household_electrical_devices",
    "household_furniture", "insects", "large_carnivores", "large_man-made_outdoor_things",
    "large_natural_outdoor_scenes", "large_omnivores_and_herbivores", "medium_mammals", "non-insect_invertebrates",
    "people", "reptiles", "small_mammals", "trees", "vehicles_1", "vehicles_2",
]
_MASK = (1 << 64) - 1


class DataError(Exception):
    """Bad or missing input: one line naming the file."""


def data_folder(path=None):
    """explicable's data folder: `path`, else $EXPLICABLE_DATA, else ~/.cache/explicable."""
    return path or os.environ.get("EXPLICABLE_DATA") or os.path.expanduser("~/.cache/explicable")


def _cifar_folder(root, name, marker):
    if os.path.exists(os.path.join(root, marker)):
        return root
    return os.path.join(root, name)


def _records(path, size, fetch):
    if not os.path.exists(path):
        raise DataError(f"{path}: missing (run 'explicable data fetch {fetch}' or pass --data)")
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size == 0 or raw.size % size:
        raise DataError(f"{path}: {raw.size} bytes is not a whole, positive number of {size}-byte records")
    return raw.reshape(-1, size)


def read_cifar10(root, split):
    """(images N x 3 x 32 x 32 uint8, labels N int64, class labels) of a CIFAR-10 split ('train' or 'test')."""
    folder = _cifar_folder(root, "cifar-10-batches-bin", "data_batch_1.bin")
    names = [f"data_batch_{i}.bin" for i in range(1, 6)] if split == "train" else ["test_batch.bin"]
    images, labels = [], []
    for name in names:
        raw = _records(os.path.join(folder, name), 3073, "cifar10")
        if raw[:, 0].max() > 9:
            raise DataError(f"{os.path.join(folder, name)}: label byte {raw[:, 0].max()} is above 9")
        labels.append(raw[:, 0].astype(np.int64))
        images.append(raw[:, 1:].reshape(-1, 3, 32, 32))
    return np.concatenate(images), np.concatenate(labels), list(CIFAR10_LABELS)


def read_cifar100(root, split, coarse=False):
    """(images, labels, class labels) of a CIFAR-100 split: fine labels, or the 20 superclasses."""
    folder = _cifar_folder(root, "cifar-100-binary", "train.bin")
    path = os.path.join(folder, "train.bin" if split == "train" else "test.bin")
    raw = _records(path, 3074, "cifar100")
    column, count = (0, 20) if coarse else (1, 100)
    if raw[:, column].max() >= count:
        raise DataError(f"{path}: label byte {raw[:, column].max()} is not below {count}")
    classes = CIFAR100_COARSE_LABELS if coarse else CIFAR100_FINE_LABELS
    return raw[:, 2:].reshape(-1, 3, 32, 32), raw[:, column].astype(np.int64), list(classes)


class SplitMix64:
    """explicable's SeededGenerator (SplitMix64)."""

    def __init__(self, seed):
        self.state = seed & _MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & _MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        return z ^ (z >> 31)

    def below(self, bound):
        """Swift's `Int.random(in: 0..<bound, using:)`: Lemire's nearly divisionless method."""
        product = self.next() * bound
        if product & _MASK < bound:
            threshold = ((1 << 64) - bound) % bound
            while product & _MASK < threshold:
                product = self.next() * bound
        return product >> 64


def swift_shuffle(items, generator):
    """Swift's `MutableCollection.shuffle(using:)`, in place."""
    amount, index = len(items), 0
    while amount > 1:
        j = index + generator.below(amount)
        amount -= 1
        items[index], items[j] = items[j], items[index]
        index += 1
    return items


def stratified_subset(labels, size, seed, class_count=None):
    """The sorted indices of explicable's stratified subset of `size` samples for `seed`.

    `explicable train --subset N --seed S` draws the training subset with seed S and
    `--test-subset M` the test subset with seed S + 1. Each class keeps its share (largest
    remainder), its members drawn by a seeded shuffle.
    """
    labels = np.asarray(labels)
    count = len(labels)
    if not 1 <= size <= count:
        raise DataError(f"subset {size} must be between 1 and the {count} samples")
    if size == count:
        return np.arange(count)
    c = class_count if class_count is not None else int(labels.max()) + 1
    by_class = [np.flatnonzero(labels == k).tolist() for k in range(c)]
    exact = [len(members) * size / count for members in by_class]
    quota = [int(e // 1) for e in exact]
    order = sorted(range(c), key=lambda k: (exact[k] - quota[k], -k), reverse=True)
    for k in order[:size - sum(quota)]:
        quota[k] += 1
    generator = SplitMix64((seed & _MASK) ^ 0x5EB5E75AB5E7)
    chosen = []
    for k in range(c):
        chosen += swift_shuffle(by_class[k], generator)[:quota[k]]
    return np.array(sorted(chosen), dtype=np.int64)


def channel_statistics(images):
    """Per-channel mean and deviation (float32) of uint8 N x 3 x H x W images scaled to [0, 1]."""
    x = np.asarray(images)
    n = x.shape[0] * x.shape[2] * x.shape[3]
    s = x.sum(axis=(0, 2, 3), dtype=np.int64).astype(np.float64)
    q = (x.astype(np.int64) ** 2).sum(axis=(0, 2, 3)).astype(np.float64)
    mean = s / n / 255
    std = np.maximum(1e-6, np.sqrt(np.maximum(q / n / 65025 - mean * mean, 0)))
    return mean.astype(np.float32), std.astype(np.float32)


def evaluate(probabilities, labels, similarity=None, distance=None, threshold=2.0, decode="argmax"):
    """explicable's test metrics of N x C probabilities: (predictions, metrics dict in snake case).

    Mistake metrics need the evaluation matrix as `similarity` and `distance` (C x C, rows = true
    class): severity is the mean d(true, predicted) over mistakes, the explicable-mistake rate the
    share of mistakes with S(true, predicted) >= threshold, hd@k the mean distance from the true
    class to the k top-ranked classes. `decode="crm"` predicts argmin_j sum_i p_i d(i, j).
    """
    p = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    n, c = p.shape
    if decode == "crm":
        if distance is None:
            raise ValueError("crm decoding needs a distance matrix")
        score = -(p @ np.asarray(distance, dtype=np.float64))
    else:
        score = p
    # Ties go to the lower class index, as explicable ranks them.
    ranking = np.argsort(-score, axis=1, kind="stable")
    predictions = ranking[:, 0].astype(np.int64)
    k5 = min(5, c)
    wrong = predictions != y
    confusion = np.zeros((c, c), dtype=np.int64)
    np.add.at(confusion, (y, predictions), 1)
    metrics = {
        "count": int(n), "top1": float((n - wrong.sum()) / n) if n else 0.0,
        "top5": float((ranking[:, :k5] == y[:, None]).any(axis=1).mean()) if n else 0.0,
        "mistakes": int(wrong.sum()),
    }
    if similarity is not None and distance is not None:
        s, d = np.asarray(similarity, dtype=np.float64), np.asarray(distance, dtype=np.float64)
        if wrong.any():
            metrics["mistake_severity"] = float(d[y[wrong], predictions[wrong]].mean())
            metrics["explicable_mistake_rate"] = float((s[y[wrong], predictions[wrong]] >= threshold).mean())
        metrics["threshold"] = float(threshold)
        if n:
            metrics["hierarchical_distance_at_1"] = float(d[y, ranking[:, 0]].mean())
            metrics["hierarchical_distance_at_5"] = float(d[y[:, None], ranking[:, :k5]].mean())
    per_class = [float(confusion[k, k] / confusion[k].sum()) if confusion[k].sum() else 0.0 for k in range(c)]
    return predictions, metrics, per_class, confusion


def read_class_map(path, column="pwn30"):
    """Folder name -> class label from a class-set TSV (explicable's `wordnet/*.tsv`: index, label, oewn,
    ili, pwn30). For the pwn30 column, `01440764-n` also maps ImageNet's folder name `n01440764`."""
    import csv
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    if not rows or "label" not in rows[0] or column not in rows[0]:
        raise DataError(f"{path}: expected a TSV with columns 'label' and '{column}'")
    mapping = {}
    for row in rows:
        key = row[column]
        mapping[key] = row["label"]
        if column == "pwn30" and key.endswith("-n"):
            mapping["n" + key[:-2]] = row["label"]
    return mapping


IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def image_folder_samples(root, classes, folder_to_label=None):
    """[(path, class index)] of an ImageFolder tree (one sub-folder per class), indices in `classes`' order.

    A folder is named by its class label, or mapped to one by `folder_to_label`. Every folder must
    be a class and every class a folder; files are sorted, as torchvision's ImageFolder sorts them.
    """
    if not os.path.isdir(root):
        raise DataError(f"{root}: not a folder")
    folder_to_label = folder_to_label or {}
    index = {label: k for k, label in enumerate(classes)}
    folders = sorted(e.name for e in os.scandir(root) if e.is_dir())
    mapped = {f: folder_to_label.get(f, f) for f in folders}
    unknown = [f for f in folders if mapped[f] not in index]
    missing = sorted(set(classes) - set(mapped.values()))
    if unknown or missing:
        raise DataError(f"{root}: the class folders are not classes.txt's classes (unknown folders: "
                        f"{', '.join(unknown[:5]) or 'none'}; classes without a folder: {', '.join(missing[:5]) or 'none'})"
                        "; name the folders by the labels or pass --class-map TSV")
    samples = []
    for folder in folders:
        for directory, _, files in sorted(os.walk(os.path.join(root, folder), followlinks=True)):
            for name in sorted(files):
                if name.lower().endswith(IMAGE_EXTENSIONS):
                    samples.append((os.path.join(directory, name), index[mapped[folder]]))
    if not samples:
        raise DataError(f"{root}: no images ({', '.join(IMAGE_EXTENSIONS)})")
    return samples


def _atomic(path, write):
    temporary = f"{path}.tmp-{os.getpid()}"
    write(temporary)
    os.replace(temporary, path)


def save_npy(path, array):
    """np.save to a temporary name, then rename."""
    def write(temporary):
        with open(temporary, "wb") as f:
            np.save(f, array)
    _atomic(path, write)


def json_line(obj):
    """One line of JSON with sorted keys (explicable's form), ending in a line feed."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":")) + "\n"


def history_line(epoch, step, train_loss, train_accuracy, learning_rate, seconds, samples_per_second, test_metrics):
    """One `history.jsonl` line, with explicable's keys."""
    return json_line({
        "epoch": epoch, "step": step, "train_loss": train_loss, "train_accuracy": train_accuracy,
        "learning_rate": learning_rate, "seconds": seconds, "samples_per_second": samples_per_second,
        "test": test_metrics,
    })


def write_run_folder(folder, probabilities, labels, classes, similarity=None, distance=None, threshold=2.0,
                     decode="argmax", extra=None):
    """Writes explicable's end-of-run files into `folder` and returns the metrics.

    `probabilities` is N x C (classes in `classes` order), `labels` N class indices in test order.
    `extra` adds `metrics.json` keys (e.g. `eval_matrix`, `framework`).
    """
    p = np.asarray(probabilities, dtype=np.float32)
    y = np.asarray(labels, dtype=np.int64)
    if p.ndim != 2 or p.shape != (len(y), len(classes)):
        raise ValueError(f"probabilities of shape {p.shape} for {len(y)} labels and {len(classes)} classes")
    predictions, metrics, per_class, confusion = evaluate(p, y, similarity, distance, threshold, decode)
    os.makedirs(folder, exist_ok=True)
    save_npy(os.path.join(folder, "predictions.npy"), predictions.astype(np.int64))
    save_npy(os.path.join(folder, "probabilities.npy"), p)
    save_npy(os.path.join(folder, "labels.npy"), y)
    obj = dict(metrics, per_class_accuracy=per_class, confusion=confusion.reshape(-1).tolist(),
               classes=list(classes), decode=decode)
    obj.update(extra or {})

    def write_text(text):
        def write(temporary):
            with open(temporary, "w", encoding="utf-8") as f:
                f.write(text)
        return write

    _atomic(os.path.join(folder, "metrics.json"), write_text(json_line(obj)))
    _atomic(os.path.join(folder, "classes.txt"), write_text("".join(label + "\n" for label in classes)))
    return metrics
