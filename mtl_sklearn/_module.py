"""The torch module: experts, the allocation α and the fused task heads.

Every task's head is linear, so all heads run as one layer whose output the
:class:`~mtl_sklearn._layout.TaskLayout` splits per task. Head weights start
at zero: every expert then starts from the same (zero) signal and experts
specialise by what they can represent, which lets narrow experts split groups
of related tasks. Head biases start at the log class frequencies: the network
starts by predicting each task's prior, so rare classes need no epochs of
climbing to their rate.
"""

import numpy as np
import torch
from torch import nn

from ._allocation import TaskAllocation


def _rows_as_vectors(batch):
    """``batch.flatten(1)``, without the call (a tensor operation each step) when already 2-D."""
    return batch if batch.dim() == 2 else batch.flatten(1)


class MultiTaskModule(nn.Module):
    """``K`` experts read by every task's head, through α or directly.

    Parameters
    ----------
    experts : list of nn.Module
        Each maps a batch to features of width ``width``.
    width : int
        Output width of every expert.
    layout : TaskLayout
        The tasks and their blocks of logits.
    allocation : bool, default=True
        Whether the tasks read the experts through a learnt
        :class:`~mtl_sklearn._allocation.TaskAllocation` α. Without it every
        task reads the sum of the experts: the plain shared trunk.
    """

    def __init__(self, experts, width, layout, allocation=True):
        super().__init__()
        self.layout = layout
        self.experts = nn.ModuleList(experts)
        self.heads = nn.Linear(width, layout.n_logits)
        nn.init.zeros_(self.heads.weight)
        self.allocation = TaskAllocation(layout, len(experts), width) if allocation else None

    def forward(self, x):
        if len(self.experts) == 1:  # the same without concatenating one tensor
            features = _rows_as_vectors(self.experts[0](x))
        elif self.allocation is None:
            features = sum(_rows_as_vectors(expert(x)) for expert in self.experts)
        else:
            features = torch.cat([_rows_as_vectors(expert(x)) for expert in self.experts], dim=1)
        if self.allocation is None:
            return self.heads(features)
        return self.allocation(features, self.heads)

    @property
    def alpha(self):
        """α, detached: ones (every task reads every expert) without an allocation."""
        if self.allocation is None:
            return torch.ones(self.layout.n_tasks, len(self.experts))
        return self.allocation.alpha.detach()

    def after_optimizer_step(self, optimizer=None, args=None, kwargs=None):
        """α's update, as a post-hook of the network's optimiser (``register_step_post_hook``)."""
        if self.allocation is not None:
            self.allocation.step_(self.heads)

    @torch.no_grad()
    def start_at_priors_(self, class_counts):
        """Set each head's bias to the log of its task's class frequencies (add-one smoothed)."""
        dtype = self.heads.bias.dtype
        counts = torch.as_tensor(np.concatenate(class_counts), dtype=dtype) + 1.0
        totals = np.repeat([np.sum(c) + len(c) for c in class_counts], self.layout.n_classes)
        self.heads.bias.copy_((counts / torch.as_tensor(totals, dtype=dtype)).log())
