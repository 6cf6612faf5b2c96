"""The multi-task loss: each task's cross-entropy on its labelled rows, weighted by λ."""

import torch
import torch.nn.functional as F
from torch import nn

from ._targets import MISSING


class MultiTaskLoss(nn.Module):
    """``Σ_i w_i Σ_{t labelled for i} λ_t c_t(y_it) CE_it / Σ_i w_i`` over the rows ``i`` of a batch.

    ``w_i`` are the rows' weights (``sample_weight``; 1 without), ``λ_t`` the
    tasks' weights and ``c_t`` their class weights (``class_weight``; 1
    without). Missing labels (``MISSING``) are skipped through
    ``ignore_index``. Tasks with the same number of classes are scored in one
    batched call; without class or row weights no weight is gathered.

    Parameters
    ----------
    layout : TaskLayout
        The tasks' blocks of logits.
    task_weights : array-like of shape (n_tasks,)
        λ_t, the weight of each task's loss.
    class_weights : list of array-like, or None
        The weight of each class of each task, or None for none.

    The target is the batch's ``codes`` (n_rows, n_tasks), or ``(codes,
    row_weights)``.
    """

    def __init__(self, layout, task_weights, class_weights=None):
        super().__init__()
        task_weights = torch.as_tensor(task_weights, dtype=torch.float32)
        self.groups = layout.groups()
        self.by_class = class_weights is not None
        for size, (tasks, columns) in self.groups.items():
            weights = task_weights[tasks]
            if self.by_class:  # (tasks of the group, classes): λ_t c_t(k)
                table = torch.as_tensor([list(class_weights[t]) for t in tasks], dtype=torch.float32)
                weights = weights[:, None] * table
            self.register_buffer(f"tasks_{size}", torch.as_tensor(tasks), persistent=False)
            self.register_buffer(f"columns_{size}", torch.as_tensor(columns), persistent=False)
            self.register_buffer(f"weights_{size}", weights, persistent=False)
        self.unweighted = bool((task_weights == 1).all()) and not self.by_class

    def forward(self, logits, target):
        codes, rows = target if isinstance(target, tuple) else (target, None)
        if len(self.groups) == 1:  # all tasks have as many classes: no gather
            (size,) = self.groups
            plain = self.unweighted and rows is None
            losses = F.cross_entropy(
                logits.view(-1, size),
                codes.view(-1),
                ignore_index=MISSING,
                reduction="sum" if plain else "none",
            )
            if plain:
                return losses / len(codes)
            total = self._weighted(losses.view_as(codes), codes, size, rows).sum()
        else:
            total = logits.new_zeros(())
            for size in self.groups:
                labels = codes[:, getattr(self, f"tasks_{size}")]
                losses = F.cross_entropy(
                    logits[:, getattr(self, f"columns_{size}")].reshape(-1, size),
                    labels.reshape(-1),
                    ignore_index=MISSING,
                    reduction="none",
                )
                total = total + self._weighted(losses.view_as(labels), labels, size, rows).sum()
        return total / (len(codes) if rows is None else rows.sum())

    def _weighted(self, losses, labels, size, rows):
        """Losses of shape (n_rows, tasks of the group) times the λ, class and row weights."""
        weights = getattr(self, f"weights_{size}")
        if self.by_class:  # each cell's class weight; a missing cell's loss is already 0
            weights = weights[torch.arange(len(weights), device=labels.device), labels.clamp(min=0)]
        losses = losses * weights
        return losses if rows is None else losses * rows[:, None]
