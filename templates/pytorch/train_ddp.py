"""Train a CIFAR-10 ResNet with explicable's WLF on several GPUs or machines.

    torchrun --nproc_per_node=4 train_ddp.py --export . --data ./cifar --epochs 30 --scale 1

Uses torchvision's CIFAR-10 (downloaded into --data) and DistributedDataParallel. The loss is
WLFLoss from explicable_loss.py, built from the matrix `explicable matrix export --torch`
wrote beside this file; its classes.txt must be CIFAR-10's label order.
"""
import argparse
import os

import torch
import torch.distributed as dist
import torchvision
import torchvision.transforms as T

from explicable_loss import WLFLoss, SoftLabelLoss, load_export


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--export", default=os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--data", default="./cifar")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--soft-labels-beta", type=float, default=None)
    args = parser.parse_args()

    dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    device = torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}" if torch.cuda.is_available() else "cpu")

    similarity, distance, classes = load_export(args.export)
    expected = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    if classes != expected:
        raise SystemExit(f"classes.txt is {classes}, not CIFAR-10's label order")
    criterion = (SoftLabelLoss(distance, args.soft_labels_beta) if args.soft_labels_beta is not None
                 else WLFLoss(similarity, args.scale)).to(device)

    normalize = T.Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))
    train = torchvision.datasets.CIFAR10(args.data, train=True, download=rank == 0,
                                         transform=T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(),
                                                              T.ToTensor(), normalize]))
    dist.barrier()
    sampler = torch.utils.data.distributed.DistributedSampler(train, num_replicas=world, rank=rank, shuffle=True)
    loader = torch.utils.data.DataLoader(train, batch_size=args.batch, sampler=sampler, num_workers=4)

    model = torchvision.models.resnet18(num_classes=10).to(device)
    model = torch.nn.parallel.DistributedDataParallel(model, device_ids=[device] if device.type == "cuda" else None)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=args.epochs * len(loader))
    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)
        model.train()
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            loss = criterion(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
        if rank == 0:
            print(f"epoch {epoch + 1}: loss {loss.item():.4f}", flush=True)
    if rank == 0:
        torch.save(model.module.state_dict(), "model.pt")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
