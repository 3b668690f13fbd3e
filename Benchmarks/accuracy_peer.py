"""PyTorch peer of `explicable train` for the accuracy comparison: the same recipe on the full CIFAR-10.

cnn-s, 10 epochs, batch 128 (last partial batch kept), SGD momentum 0.9 Nesterov, one-cycle lr 0.05
(PyTorch's OneCycleLR defaults, momentum cycled 0.85-0.95), weight decay 5e-4 on every parameter,
per-channel normalisation with the training set's statistics, RandomCrop(32, padding=4) with zero
padding before normalisation, RandomHorizontalFlip. Loss `ce`, or `wlf`: the cross-entropy against
T[y] = softmax(scale * S[y]) for the similarity matrix S given as .npy (the form
`explicable wordnet matrix cifar10 --measure path -o S.npy` writes, or the paper's CHL matrix).

Usage: accuracy_peer.py DATA_DIR --loss ce|wlf [--matrix S.npy --scale 4] [--seed 0] [--epochs 10]
       [--out DIR]
Prints one JSON line per epoch and a final one with the test top-1; with --out writes
predictions.npy (int64), probabilities.npy (float32 N x 10) and labels.npy (int64) there.
"""
import argparse, json, os, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument("data")
parser.add_argument("--loss", choices=["ce", "wlf"], default="ce")
parser.add_argument("--matrix")
parser.add_argument("--scale", type=float, default=1.0)
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--batch", type=int, default=128)
parser.add_argument("--lr", type=float, default=0.05)
parser.add_argument("--out")
parser.add_argument("--subset", type=int, help="train on the first N images only (smoke tests)")
args = parser.parse_args()
if args.loss == "wlf" and not args.matrix:
    parser.error("--loss wlf needs --matrix S.npy")
torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "2")))
torch.manual_seed(args.seed)
generator = np.random.default_rng(args.seed)


def read_batches(names):
    """CIFAR-10 binary layout: records of 1 label byte + 3072 pixel bytes (CHW)."""
    images, labels = [], []
    for name in names:
        raw = np.fromfile(os.path.join(args.data, "cifar-10-batches-bin", name), dtype=np.uint8)
        if raw.size % 3073:
            raise SystemExit(f"{name}: {raw.size} bytes is not a whole number of 3073-byte records")
        raw = raw.reshape(-1, 3073)
        labels.append(raw[:, 0].astype(np.int64))
        images.append(raw[:, 1:].reshape(-1, 3, 32, 32))
    return np.concatenate(images), np.concatenate(labels)


train_x, train_y = read_batches([f"data_batch_{i}.bin" for i in range(1, 6)])
test_x, test_y = read_batches(["test_batch.bin"])
if args.subset:
    train_x, train_y = train_x[:args.subset], train_y[:args.subset]
scaled = train_x.astype(np.float64) / 255
mean = scaled.mean(axis=(0, 2, 3)).astype(np.float32)
std = scaled.std(axis=(0, 2, 3)).astype(np.float32)
del scaled
mean_t, std_t = torch.from_numpy(mean).view(1, 3, 1, 1), torch.from_numpy(std).view(1, 3, 1, 1)


def normalise(batch_uint8):
    return (torch.from_numpy(batch_uint8).float() / 255 - mean_t) / std_t


def augment(batch_uint8):
    padded = np.zeros((len(batch_uint8), 3, 40, 40), dtype=np.uint8)
    padded[:, :, 4:36, 4:36] = batch_uint8
    out = np.empty_like(batch_uint8)
    offsets = generator.integers(0, 9, size=(len(batch_uint8), 2))
    flips = generator.integers(0, 2, size=len(batch_uint8))
    for i, ((dy, dx), flip) in enumerate(zip(offsets, flips)):
        window = padded[i, :, dy:dy + 32, dx:dx + 32]
        out[i] = window[:, :, ::-1] if flip else window
    # Zero padding is applied to the raw pixels, so after normalisation it reads (0 - mean) / std,
    # as torchvision's RandomCrop before Normalize.
    return normalise(out)


def block(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


model = nn.Sequential(*block(3, 32), *block(32, 32), nn.MaxPool2d(2), *block(32, 64), *block(64, 64),
                      nn.MaxPool2d(2), *block(64, 128), nn.MaxPool2d(2), nn.Flatten(),
                      nn.Linear(2048, 256), nn.ReLU(inplace=True), nn.Linear(256, 10))
targets = None
if args.loss == "wlf":
    similarity = torch.from_numpy(np.load(args.matrix).astype(np.float32))
    if similarity.shape != (10, 10) or not torch.isfinite(similarity).all():
        raise SystemExit(f"{args.matrix}: expected a finite 10 x 10 similarity matrix, got {tuple(similarity.shape)}")
    targets = torch.softmax(args.scale * similarity, dim=1)

steps_per_epoch = (len(train_x) + args.batch - 1) // args.batch
optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch)


def loss_of(logits, labels):
    if targets is None:
        return F.cross_entropy(logits, labels)
    return -(targets[labels] * F.log_softmax(logits, dim=1)).sum(dim=1).mean()


def evaluate():
    model.eval()
    probabilities = []
    with torch.no_grad():
        for start in range(0, len(test_x), 500):
            probabilities.append(torch.softmax(model(normalise(test_x[start:start + 500])), dim=1))
    model.train()
    probabilities = torch.cat(probabilities).numpy()
    return probabilities, float((probabilities.argmax(1) == test_y).mean())


common = dict(impl=f"pytorch-{torch.__version__}", arch="cnn-s", objective=args.loss, scale=args.scale,
              matrix=os.path.basename(args.matrix) if args.matrix else None, seed=args.seed,
              threads=torch.get_num_threads())
started = time.perf_counter()
model.train()
for epoch in range(args.epochs):
    order = generator.permutation(len(train_x))
    total, correct, seen = 0.0, 0, 0
    for step in range(steps_per_epoch):
        index = order[step * args.batch:(step + 1) * args.batch]
        images, labels = augment(train_x[index]), torch.from_numpy(train_y[index])
        logits = model(images)
        loss = loss_of(logits, labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
        total += loss.item() * len(index)
        correct += int((logits.argmax(1) == labels).sum())
        seen += len(index)
    _, top1 = evaluate()
    print(json.dumps(dict(common, epoch=epoch + 1, loss=round(total / seen, 4),
                          train_accuracy=round(correct / seen, 4), test_top1=round(top1, 4),
                          seconds=round(time.perf_counter() - started, 1))), flush=True)
probabilities, top1 = evaluate()
print(json.dumps(dict(common, final=True, test_top1=round(top1, 4), seconds=round(time.perf_counter() - started, 1))))
if args.out:
    os.makedirs(args.out, exist_ok=True)
    np.save(os.path.join(args.out, "predictions.npy"), probabilities.argmax(1).astype(np.int64))
    np.save(os.path.join(args.out, "probabilities.npy"), probabilities.astype(np.float32))
    np.save(os.path.join(args.out, "labels.npy"), test_y.astype(np.int64))
