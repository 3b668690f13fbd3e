"""Weighted Loss Functions for PyTorch, from a matrix exported by `explicable matrix export --torch DIR`.

The targets are built exactly as explicable's own trainer builds them (Olmo, Sengupta &
Kambhampati, arXiv 2006.14841; Bertinetto et al., CVPR 2020):

    WLF          T[y] = softmax(scale * S[y])                       S: similarity.npy
    soft labels  T[y] = softmax(-beta * d[y] / max(d))              d: distance.npy

and the loss of a batch is the mean over samples of the cross-entropy between T[label] and the
model's softmax: -sum_j T[label, j] * log_softmax(logits)[j].

The target builders need only NumPy; the loss modules need PyTorch (imported when used).
Rows and columns follow classes.txt (row = true class, column = predicted class).
"""
import os

import numpy as np


def load_export(folder):
    """The exported similarity and distance matrices (float64) and the class labels."""
    with open(os.path.join(folder, "classes.txt"), encoding="utf-8") as f:
        classes = [line.rstrip("\n") for line in f if line.strip()]
    similarity = np.load(os.path.join(folder, "similarity.npy"))
    distance = np.load(os.path.join(folder, "distance.npy"))
    n = len(classes)
    if similarity.shape != (n, n) or distance.shape != (n, n):
        raise ValueError(f"{folder}: matrices are not {n}x{n} like classes.txt")
    if not (np.isfinite(similarity).all() and np.isfinite(distance).all()):
        raise ValueError(f"{folder}: matrices must be finite")
    return similarity, distance, classes


def _row_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def wlf_targets(similarity, scale=1.0):
    """T[y] = softmax(scale * S[y]), computed in float64 (the trainer stores them as float32)."""
    return _row_softmax(scale * np.asarray(similarity, dtype=np.float64))


def soft_label_targets(distance, beta):
    """T[y] = softmax(-beta * d[y] / max d)."""
    d = np.asarray(distance, dtype=np.float64)
    largest = d.max()
    if not largest > 0:
        raise ValueError("soft labels need a distance matrix with a positive entry")
    return _row_softmax(-beta * d / largest)


def _torch_loss(targets):
    import torch

    class TargetCrossEntropy(torch.nn.Module):
        """Mean over the batch of -sum_j T[label, j] log softmax(logits)_j."""

        def __init__(self):
            super().__init__()
            self.register_buffer("targets", torch.as_tensor(np.asarray(targets), dtype=torch.float32))

        def forward(self, logits, labels):
            log_p = torch.nn.functional.log_softmax(logits, dim=1)
            return -(self.targets[labels] * log_p).sum(dim=1).mean()

    return TargetCrossEntropy()


def WLFLoss(similarity, scale=1.0):
    """The paper's Weighted Loss Function as a torch.nn.Module (move it to the model's device)."""
    return _torch_loss(wlf_targets(similarity, scale))


def SoftLabelLoss(distance, beta):
    """Bertinetto et al.'s soft-label loss as a torch.nn.Module."""
    return _torch_loss(soft_label_targets(distance, beta))
