"""Train with explicable's recipe in PyTorch, on one process or many (DistributedDataParallel).

    torchrun --nproc_per_node=2 train_ddp.py --export . --data ~/.cache/explicable --out runs/wlf \\
        --dataset cifar10 --arch cnn-s --loss wlf --scale 1 --epochs 10 --seed 0

`--export` is the folder `explicable matrix export NAME --torch DIR` wrote (classes.txt,
similarity.npy, distance.npy); the data set's classes must be classes.txt, in the same order.

Data: `cifar10`, `cifar100` (`--labels fine|coarse`) from the binary files in explicable's data
folder (`--data`, else $EXPLICABLE_DATA, else ~/.cache/explicable; nothing is downloaded), or
`imagefolder` (`--train-dir`, `--val-dir`: one sub-folder per class, named by classes.txt's labels
or mapped to them with `--class-map TSV`, e.g. explicable's wordnet/imagenet1k.tsv whose pwn30
column names ImageNet's n01440764-style folders; needs torchvision).
Models: `cnn-s` and `resnet20` exactly as explicable builds them (32 x 32 input), or torchvision's
`resnet18|34|50|101|152` (needs torchvision). Losses: `ce`, `wlf` (softmax(scale * S[y])),
`soft-labels` (softmax(-beta * d[y] / max d)), `label-smoothing`; targets from explicable_loss.py.
Recipe, as `explicable train`: SGD momentum 0.9 Nesterov, weight decay 5e-4 on every parameter,
one-cycle peak --lr 0.05 (PyTorch's OneCycleLR defaults; or cosine, step, constant), global batch
128 (split over the processes), a last partial batch kept when it has at least 2 samples; CIFAR
images normalised per channel with the training set's statistics, random crop with 4 zero pixels
of padding and a horizontal flip. `--subset N` and `--test-subset M` draw exactly the stratified
subsets `explicable train` draws for the same --seed.

Every process takes its share of each global batch (the batch a single process would take), so 1
and N processes see the same batches; batch norm statistics are per process. After every epoch
the test set is evaluated (sharded over the processes) and rank 0 appends history.jsonl. With
--out, rank 0 keeps OUT/torch_checkpoint.pt (every epoch and every --checkpoint-every steps;
--resume continues it) and at the end writes an explicable run folder: predictions.npy,
probabilities.npy, labels.npy, metrics.json, classes.txt, history.jsonl. `explicable compare` and
`explicable report` read it like a run of `explicable train` (there is no checkpoint.ckpt, so
`compare --ood` cannot evaluate it).
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import explicable_data as D  # noqa: E402
from explicable_loss import load_export, soft_label_targets, wlf_targets  # noqa: E402

CHECKPOINT = "torch_checkpoint.pt"
TORCHVISION_RESNETS = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152"]


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--export", default=os.path.dirname(os.path.abspath(__file__)),
                   help="folder of 'explicable matrix export --torch' (default: this file's)")
    p.add_argument("--data", help="explicable's data folder (default: $EXPLICABLE_DATA, else ~/.cache/explicable)")
    p.add_argument("--dataset", choices=["cifar10", "cifar100", "imagefolder"], default="cifar10")
    p.add_argument("--labels", choices=["fine", "coarse"], default="fine", help="CIFAR-100 labels")
    p.add_argument("--train-dir", help="imagefolder: training images, one folder per class")
    p.add_argument("--val-dir", help="imagefolder: test images, one folder per class")
    p.add_argument("--class-map", help="imagefolder: TSV with a label column and the folder names' column")
    p.add_argument("--class-map-column", default="pwn30", help="the TSV column that names the folders")
    p.add_argument("--image-size", type=int, default=224, help="imagefolder: crop size")
    p.add_argument("--arch", choices=["cnn-s", "resnet20"] + TORCHVISION_RESNETS, default="cnn-s")
    p.add_argument("--loss", choices=["ce", "wlf", "soft-labels", "label-smoothing"], default="ce")
    p.add_argument("--scale", type=float, default=1.0, help="wlf: softmax(scale * S[y])")
    p.add_argument("--beta", type=float, default=4.0, help="soft-labels: softmax(-beta * d[y] / max d)")
    p.add_argument("--epsilon", type=float, default=0.1, help="label-smoothing weight")
    p.add_argument("--threshold", type=float, default=2.0, help="similarity at or above which a mistake is explicable")
    p.add_argument("--decode", choices=["argmax", "crm"], default="argmax", help="final predictions")
    p.add_argument("--eval-matrix-name", default=None,
                   help="the export's matrix name, written as metrics.json's eval_matrix")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=128, help="global batch, split over the processes")
    p.add_argument("--optimizer", choices=["sgd", "adamw"], default="sgd")
    p.add_argument("--lr", type=float, default=0.05, help="learning rate (the peak of one-cycle)")
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--no-nesterov", action="store_true")
    p.add_argument("--weight-decay", type=float, default=5e-4)
    p.add_argument("--schedule", choices=["onecycle", "cosine", "step", "constant"], default="onecycle")
    p.add_argument("--step-epochs", type=int, default=30, help="step schedule: epochs between x0.1 decays")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-augment", action="store_true")
    p.add_argument("--subset", type=int, help="train on explicable's stratified subset of N samples")
    p.add_argument("--test-subset", type=int, help="test on explicable's stratified subset of M samples")
    p.add_argument("--workers", type=int, default=4, help="imagefolder: DataLoader workers per process")
    p.add_argument("--threads", type=int, default=None, help="torch threads per process (default: PyTorch's)")
    p.add_argument("--out", help="run folder (explicable's layout) and torch_checkpoint.pt")
    p.add_argument("--resume", action="store_true", help="continue OUT/torch_checkpoint.pt")
    p.add_argument("--checkpoint-every", type=int, default=0, help="also checkpoint every N steps")
    p.add_argument("--max-steps", type=int, help="stop (with a checkpoint) after this many steps in total")
    args = p.parse_args(argv)
    if args.resume and not args.out:
        p.error("--resume needs --out")
    if args.dataset == "imagefolder" and not (args.train_dir and args.val_dir):
        p.error("--dataset imagefolder needs --train-dir and --val-dir")
    if args.dataset == "imagefolder" and args.arch == "cnn-s" and args.image_size != 32:
        p.error("cnn-s takes 32 x 32 images: pass --image-size 32")
    if args.epochs < 1 or args.batch_size < 2 or not args.lr > 0:
        p.error("--epochs must be >= 1, --batch-size >= 2 and --lr > 0")
    return args


# Models ------------------------------------------------------------------------------------------

def cnn_s(classes):
    """explicable's cnn-s: three conv stages (32, 32 | 64, 64 | 128), each conv 3x3 + BN + ReLU."""
    def block(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
    return nn.Sequential(*block(3, 32), *block(32, 32), nn.MaxPool2d(2), *block(32, 64), *block(64, 64),
                         nn.MaxPool2d(2), *block(64, 128), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(2048, 256), nn.ReLU(inplace=True), nn.Linear(256, classes))


class BasicBlock(nn.Module):
    """He et al. 2016's CIFAR basic block with the option-A (subsample + zero-pad) shortcut."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout)
        self.c2, self.b2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout)
        self.pad = (cout - cin) // 2 if stride != 1 or cin != cout else None
        self.stride = stride

    def forward(self, x):
        out = self.b2(self.c2(F.relu(self.b1(self.c1(x)))))
        shortcut = x if self.pad is None else F.pad(x[:, :, ::self.stride, ::self.stride],
                                                     (0, 0, 0, 0, self.pad, self.pad))
        return F.relu(out + shortcut)


def resnet20(classes):
    """explicable's ResNet-20 (PyTorch's default initialisation, as explicable)."""
    layers = [nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True)]
    for stage, width in enumerate([16, 32, 64]):
        for index in range(3):
            first = index == 0 and stage > 0
            layers.append(BasicBlock(width // 2 if first else width, width, 2 if first else 1))
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, classes))


def make_model(arch, classes):
    if arch == "cnn-s":
        return cnn_s(classes)
    if arch == "resnet20":
        return resnet20(classes)
    import torchvision
    return getattr(torchvision.models, arch)(num_classes=classes)


# Data --------------------------------------------------------------------------------------------

class ArrayData:
    """CIFAR in memory: uint8 N x 3 x 32 x 32, normalised and augmented per batch as explicable does."""

    def __init__(self, images, labels, mean, std):
        self.images, self.labels = images, labels
        self.mean = torch.from_numpy(mean).view(1, 3, 1, 1)
        self.std = torch.from_numpy(std).view(1, 3, 1, 1)

    def __len__(self):
        return len(self.labels)

    def batch(self, index, generator=None):
        x = self.images[index]
        if generator is not None:
            # RandomCrop(32, padding=4) on the raw pixels (zero padding), then a horizontal flip.
            padded = np.zeros((len(x), 3, 40, 40), dtype=np.uint8)
            padded[:, :, 4:36, 4:36] = x
            offsets = generator.integers(0, 9, size=(len(x), 2))
            flips = generator.integers(0, 2, size=len(x))
            out = np.empty_like(x)
            for i, ((dy, dx), flip) in enumerate(zip(offsets, flips)):
                window = padded[i, :, dy:dy + 32, dx:dx + 32]
                out[i] = window[:, :, ::-1] if flip else window
            x = out
        images = (torch.from_numpy(np.ascontiguousarray(x)).float() / 255 - self.mean) / self.std
        return images, torch.from_numpy(self.labels[index])


class FolderData(torch.utils.data.Dataset):
    """An ImageFolder tree (PIL images through torchvision transforms), labels in classes.txt's order.

    A training image's random crop and flip are drawn from a generator seeded by (seed, epoch, image
    index), so they are the same for any number of processes or workers and after --resume.
    """

    def __init__(self, root, classes, folder_to_label, train, size, workers, seed=0):
        import torchvision.transforms as T
        self.samples = D.image_folder_samples(root, classes, folder_to_label)
        self.labels = np.array([k for _, k in self.samples], dtype=np.int64)
        normalize = T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
        self.augmented = T.Compose([T.RandomResizedCrop(size), T.RandomHorizontalFlip(), T.ToTensor(), normalize])
        self.plain = T.Compose([T.Resize(int(size * 256 / 224)), T.CenterCrop(size), T.ToTensor(), normalize])
        self.train, self.workers, self.seed = train, workers, seed

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, item):
        from PIL import Image
        i, epoch = item if isinstance(item, tuple) else (item, None)
        path, label = self.samples[i]
        with Image.open(path) as image:
            picture = image.convert("RGB")
        if not self.train or epoch is None:
            return self.plain(picture), label
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(np.random.SeedSequence([self.seed, epoch, i]).generate_state(1)[0]))
            return self.augmented(picture), label

    def batches(self, batches, epoch=None):
        """(images, labels) of each batch (a list of sample indices): augmented with `epoch`'s draws, or
        resized and centre-cropped when `epoch` is None (testing, --no-augment)."""
        items = [[(int(i), epoch) for i in batch] for batch in batches]
        loader = torch.utils.data.DataLoader(self, batch_sampler=items, num_workers=self.workers)
        yield from loader


def load_data(args, classes):
    if args.dataset == "imagefolder":
        mapping = D.read_class_map(args.class_map, args.class_map_column) if args.class_map else {}
        train = FolderData(args.train_dir, classes, mapping, True, args.image_size, args.workers, args.seed)
        test = FolderData(args.val_dir, classes, mapping, False, args.image_size, args.workers, args.seed)
        return train, test
    root = D.data_folder(args.data)
    if args.dataset == "cifar10":
        (x, y, names), (tx, ty, _) = D.read_cifar10(root, "train"), D.read_cifar10(root, "test")
    else:
        coarse = args.labels == "coarse"
        (x, y, names), (tx, ty, _) = D.read_cifar100(root, "train", coarse), D.read_cifar100(root, "test", coarse)
    if names != classes:
        raise D.DataError(f"{os.path.join(args.export, 'classes.txt')}: the classes are {classes[:3]}..., "
                          f"not {args.dataset}'s label order {names[:3]}...")
    if args.subset:
        keep = D.stratified_subset(y, args.subset, args.seed, len(classes))
        x, y = x[keep], y[keep]
    if args.test_subset:
        keep = D.stratified_subset(ty, args.test_subset, args.seed + 1, len(classes))
        tx, ty = tx[keep], ty[keep]
    mean, std = D.channel_statistics(x)
    return ArrayData(x, y, mean, std), ArrayData(tx, ty, mean, std)


# Training ----------------------------------------------------------------------------------------

def make_schedule(args, optimizer, total):
    if args.schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=max(2, total),
                                                   cycle_momentum=args.optimizer == "sgd")
    if args.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, total))
    if args.schedule == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=max(1, args.step_epochs * total // args.epochs),
                                               gamma=0.1)
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)


def make_targets(args, similarity, distance, c):
    if args.loss == "wlf":
        return wlf_targets(similarity, args.scale)
    if args.loss == "soft-labels":
        return soft_label_targets(distance, args.beta)
    if args.loss == "label-smoothing":
        return np.full((c, c), args.epsilon / c) + np.eye(c) * (1 - args.epsilon)
    return None


def epoch_order(n, seed, epoch):
    """The permutation of epoch `epoch` (0-based): the same on every process."""
    return np.random.default_rng([seed, epoch]).permutation(n)


def shard(batch, rank, world):
    """This process's share of a global batch: every world-th sample from rank."""
    return batch[rank::world]


def all_sum(values):
    if not dist.is_initialized():
        return values
    t = torch.tensor(values, dtype=torch.float64)
    dist.all_reduce(t)
    return t.tolist()


def predict(model, data, rank, world, batch=500):
    """N x C softmax probabilities of the whole test set, sharded over the processes; on rank 0 only."""
    module = model.module if hasattr(model, "module") else model
    if dist.is_initialized():
        for b in module.buffers():  # every process evaluates with rank 0's batch-norm statistics
            dist.broadcast(b, 0)
    module.eval()
    mine = np.array_split(np.arange(len(data)), world)[rank]
    out = []
    with torch.no_grad():
        if isinstance(data, ArrayData):
            for start in range(0, len(mine), batch):
                images, _ = data.batch(mine[start:start + batch])
                out.append(torch.softmax(module(images), dim=1))
        elif len(mine):
            for images, _ in data.batches([mine[s:s + batch].tolist() for s in range(0, len(mine), batch)]):
                out.append(torch.softmax(module(images), dim=1))
    module.train()
    local = torch.cat(out).numpy() if out else np.zeros((0, 0), dtype=np.float32)
    if not dist.is_initialized():
        return local
    parts = [None] * world if rank == 0 else None
    dist.gather_object(local, parts, dst=0)
    return np.concatenate([p for p in parts if p.size]) if rank == 0 else None


def save_checkpoint(path, state):
    temporary = f"{path}.tmp"
    torch.save(state, temporary)
    os.replace(temporary, path)


def main(argv=None):
    args = parse(argv)
    distributed = "RANK" in os.environ
    if distributed:
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    rank, world = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)
    device = torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}" if torch.cuda.is_available() else "cpu")
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    similarity, distance, classes = load_export(args.export)
    c = len(classes)
    train, test = load_data(args, classes)
    n = len(train)
    steps_per_epoch = n // args.batch_size + (1 if n % args.batch_size >= 2 else 0)
    if 0 < n % args.batch_size < world and steps_per_epoch * args.batch_size > n:
        raise SystemExit(f"the last batch has {n % args.batch_size} samples, fewer than the {world} processes: "
                         "change --batch-size or --subset")
    total_steps = steps_per_epoch * args.epochs

    model = make_model(args.arch, c).to(device)
    targets = make_targets(args, similarity, distance, c)
    targets = None if targets is None else torch.as_tensor(targets, dtype=torch.float32, device=device)
    if args.optimizer == "sgd":
        optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum,
                                    nesterov=not args.no_nesterov, weight_decay=args.weight_decay)
    else:
        optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    schedule = make_schedule(args, optimizer, total_steps)
    step, augment = 0, np.random.default_rng([args.seed, 1_000_003, rank])

    checkpoint_path = os.path.join(args.out, CHECKPOINT) if args.out else None
    history_path = os.path.join(args.out, "history.jsonl") if args.out else None
    if args.resume:
        saved = torch.load(checkpoint_path, map_location=device, weights_only=False)
        if saved["total_steps"] != total_steps or saved["classes"] != classes:
            raise SystemExit(f"{checkpoint_path}: saved for {saved['total_steps']} steps over {len(saved['classes'])} "
                             f"classes, this run has {total_steps} over {c}: pass the same data and options")
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        schedule.load_state_dict(saved["schedule"])
        step = saved["step"]
        states = saved["augment"]
        if len(states) == world:
            augment.bit_generator.state = states[rank]
        elif rank == 0:
            print(f"resuming {len(states)} processes' run on {world}: fresh augmentation draws", file=sys.stderr)
    if rank == 0 and args.out:
        os.makedirs(args.out, exist_ok=True)
        if os.path.exists(history_path):  # keep only the epochs the checkpoint has finished
            done = step // steps_per_epoch if args.resume else 0
            with open(history_path, encoding="utf-8") as f:
                kept = [line for line in f if line.strip() and json.loads(line)["epoch"] <= done]
            with open(history_path, "w", encoding="utf-8") as f:
                f.writelines(kept)
    if distributed:
        model = nn.parallel.DistributedDataParallel(model, device_ids=[device] if device.type == "cuda" else None)

    def checkpoint():
        states = [None] * world
        if distributed:
            dist.all_gather_object(states, augment.bit_generator.state)
        else:
            states = [augment.bit_generator.state]
        if rank == 0 and checkpoint_path:
            module = model.module if distributed else model
            save_checkpoint(checkpoint_path, dict(
                model=module.state_dict(), optimizer=optimizer.state_dict(), schedule=schedule.state_dict(),
                step=step, total_steps=total_steps, classes=classes, augment=states, args=vars(args)))

    def loss_of(logits, labels):
        if targets is None:
            return F.cross_entropy(logits, labels)
        return -(targets[labels] * F.log_softmax(logits, dim=1)).sum(dim=1).mean()

    matrix_name = args.eval_matrix_name
    if rank == 0:
        print(f"training {args.arch} ({args.loss}) on {n} samples, {steps_per_epoch} steps per epoch, "
              f"{args.epochs} epochs, {world} process(es)" + (f", resuming at step {step}" if step else ""),
              file=sys.stderr, flush=True)
    model.train()
    train_seconds, train_images, last_lr = 0.0, 0, optimizer.param_groups[0]["lr"]
    while step < total_steps:
        if args.max_steps is not None and step >= args.max_steps:
            checkpoint()
            if rank == 0:
                print(f"stopped after step {step} of {total_steps}; continue with --resume", file=sys.stderr)
            break
        epoch, first = step // steps_per_epoch, step % steps_per_epoch
        order = epoch_order(n, args.seed, epoch)
        sums = [0.0, 0.0, 0.0]  # loss x samples, correct, samples (this process)
        started = time.perf_counter()
        batches = [order[b * args.batch_size:(b + 1) * args.batch_size] for b in range(first, steps_per_epoch)]
        if isinstance(train, ArrayData):
            stream = (train.batch(shard(b, rank, world), None if args.no_augment else augment) for b in batches)
        else:
            stream = train.batches([shard(b, rank, world).tolist() for b in batches],
                                   None if args.no_augment else epoch)
        for images, labels in stream:
            images, labels = images.to(device), labels.to(device)
            logits = model(images)
            loss = loss_of(logits, labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            last_lr = optimizer.param_groups[0]["lr"]
            schedule.step()
            step += 1
            sums[0] += loss.item() * len(labels)
            sums[1] += int((logits.argmax(1) == labels).sum())
            sums[2] += len(labels)
            if not np.isfinite(loss.item()):
                raise SystemExit(f"the loss is not finite at step {step}")
            if args.checkpoint_every and step % args.checkpoint_every == 0:
                checkpoint()
            if args.max_steps is not None and step >= args.max_steps:
                break
        seconds = time.perf_counter() - started
        loss_sum, correct, seen = all_sum(sums)
        train_seconds += seconds
        train_images += seen
        if step % steps_per_epoch and step < total_steps:
            continue  # stopped inside an epoch by --max-steps: checkpoint at the top of the loop
        probabilities = predict(model, test, rank, world)
        if rank == 0:
            _, metrics, _, _ = D.evaluate(probabilities, test.labels, similarity, distance, args.threshold)
            line = D.history_line(epoch + 1, step, loss_sum / seen, correct / seen,
                                  last_lr, seconds, seen / seconds, metrics)
            print(line, end="", flush=True)
            if history_path:
                with open(history_path, "a", encoding="utf-8") as f:
                    f.write(line)
        checkpoint()
    if step >= total_steps:
        probabilities = predict(model, test, rank, world)
        if rank == 0:
            extra = {"framework": f"pytorch-{torch.__version__}", "world_size": world, "eval_matrix": matrix_name,
                     "arch": args.arch, "loss": args.loss, "seed": args.seed,
                     "train_images_per_second": train_images / train_seconds if train_seconds else None}
            if args.out:
                metrics = D.write_run_folder(args.out, probabilities, test.labels, classes, similarity, distance,
                                             args.threshold, args.decode, extra)
            else:
                _, metrics, _, _ = D.evaluate(probabilities, test.labels, similarity, distance, args.threshold,
                                              args.decode)
            print(json.dumps(dict(metrics, final=True, **extra), sort_keys=True), flush=True)
    if distributed:
        # Every process waits here for rank 0's run folder: a process that tore down its gloo group while
        # rank 0 was still writing could abort at exit ("terminate called without an active exception").
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    try:
        main()
    except D.DataError as error:
        # Bad input: one line (from rank 0 only; every process finds the same fault) and exit status 2.
        if os.environ.get("RANK", "0") == "0":
            print(f"Error: {error}", file=sys.stderr)
        sys.exit(2)
