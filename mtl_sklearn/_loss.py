"""The multi-task loss: each task's cross-entropy on its labelled rows, weighted by λ."""

import torch
import torch.nn.functional as F
from torch import nn

from ._targets import MISSING


class MultiTaskLoss(nn.Module):
    """``Σ_t λ_t Σ_{i labelled for t} CE_it / batch_size``.

    Missing labels (``MISSING``) are skipped through ``ignore_index``. Tasks
    with the same number of classes are scored in one batched call.

    Parameters
    ----------
    layout : TaskLayout
        The tasks' blocks of logits.
    task_weights : array-like of shape (n_tasks,)
        λ_t, the weight of each task's loss.
    """

    def __init__(self, layout, task_weights):
        super().__init__()
        task_weights = torch.as_tensor(task_weights, dtype=torch.float32)
        self.groups = layout.groups()
        for size, (tasks, columns) in self.groups.items():
            self.register_buffer(f"tasks_{size}", torch.as_tensor(tasks), persistent=False)
            self.register_buffer(f"columns_{size}", torch.as_tensor(columns), persistent=False)
            self.register_buffer(f"weights_{size}", task_weights[tasks], persistent=False)
        self.unweighted = bool((task_weights == 1).all())

    def forward(self, logits, codes):
        if len(self.groups) == 1:  # all tasks have as many classes: no gather
            (size,) = self.groups
            logits, labels = logits.view(-1, size), codes.view(-1)
            if self.unweighted:
                return F.cross_entropy(logits, labels, ignore_index=MISSING, reduction="sum") / len(codes)
            losses = F.cross_entropy(logits, labels, ignore_index=MISSING, reduction="none")
            return (losses.view_as(codes) * getattr(self, f"weights_{size}")).sum() / len(codes)
        total = logits.new_zeros(())
        for size in self.groups:
            columns = getattr(self, f"columns_{size}")
            labels = codes[:, getattr(self, f"tasks_{size}")]
            losses = F.cross_entropy(
                logits[:, columns].reshape(-1, size),
                labels.reshape(-1),
                ignore_index=MISSING,
                reduction="none",
            )
            total = total + (losses.view_as(labels) * getattr(self, f"weights_{size}")).sum()
        return total / len(logits)
