"""PyTorch peer of TrainBenchmark: the same architecture, batch, optimiser and measurements.

TORCH_THREADS threads (default 2), random data, SGD momentum 0.9 Nesterov, weight decay 5e-4, cross-entropy.
Arguments: architecture (cnn-s), batch (128), timed steps (10). One JSON line per number.
"""
import json, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

arch = sys.argv[1] if len(sys.argv) > 1 else "cnn-s"
batch = int(sys.argv[2]) if len(sys.argv) > 2 else 128
steps = int(sys.argv[3]) if len(sys.argv) > 3 else 10
import os
torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "2")))
torch.manual_seed(1)

def block(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]

if arch == "cnn-s":
    model = nn.Sequential(*block(3, 32), *block(32, 32), nn.MaxPool2d(2), *block(32, 64), *block(64, 64),
                          nn.MaxPool2d(2), *block(64, 128), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(2048, 256), nn.ReLU(inplace=True), nn.Linear(256, 10))
elif arch == "resnet20":
    class Block(nn.Module):
        """He et al. 2016's CIFAR basic block with the option-A (subsample + zero-pad) shortcut."""
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.c1, self.b1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout)
            self.c2, self.b2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout)
            self.pad = (cout - cin) // 2 if stride != 1 or cin != cout else None
            self.stride = stride
        def forward(self, x):
            out = self.b2(self.c2(F.relu(self.b1(self.c1(x)))))
            shortcut = x if self.pad is None else F.pad(x[:, :, ::self.stride, ::self.stride], (0, 0, 0, 0, self.pad, self.pad))
            return F.relu(out + shortcut)
    layers = [nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True)]
    for stage, width in enumerate([16, 32, 64]):
        for index in range(3):
            first = index == 0 and stage > 0
            layers.append(Block(width // 2 if first else width, width, 2 if first else 1))
    model = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))
else:
    raise SystemExit(f"unknown architecture {arch}")

images = torch.rand(batch, 3, 32, 32) * 4 - 2
labels = torch.arange(batch) % 10
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True, weight_decay=5e-4)
loss_fn = nn.CrossEntropyLoss()
common = dict(impl=f"pytorch-{torch.__version__}", arch=arch, batch=batch, threads=torch.get_num_threads(),
              load=float(open("/proc/loadavg").read().split()[0]))

def train_step():
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(model(images), labels)
    loss.backward()
    opt.step()
    return loss.item()

model.train()
for _ in range(3): train_step()
t, c = time.perf_counter(), time.process_time()
for _ in range(steps): last = train_step()
dt, dc = time.perf_counter() - t, time.process_time() - c
print(json.dumps(dict(common, mode="train", images_per_s=round(batch * steps / dt, 1),
                      images_per_cpu_s=round(batch * steps / dc, 1), loss=round(last, 4))))
model.eval()
with torch.no_grad():
    for _ in range(2): model(images)
    t, c = time.perf_counter(), time.process_time()
    for _ in range(steps): model(images)
    dt, dc = time.perf_counter() - t, time.process_time() - c
print(json.dumps(dict(common, mode="inference", images_per_s=round(batch * steps / dt, 1),
                      images_per_cpu_s=round(batch * steps / dc, 1))))
