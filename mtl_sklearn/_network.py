"""The shared network: trunks (experts), the task-to-expert allocation α, task heads.

Task ``t`` reads ``z_t = Σ_k α_tk · h_k(x)`` from the ``K`` experts ``h_k`` and
its head is linear, so all heads run as one fused layer: the logits of task
``t`` are ``Σ_k α_tk · (W_t h_k(x)) + b_t``. Each unit of each expert is
standardised over the batch (running statistics at predict time) and head
weights are clipped to ``[-1, 1]``, so neither side can undo a shrinking α by
growing (α's scale is identifiable). Head weights start at zero: every expert
then starts from the same (zero) signal and experts specialise by what they
can represent, which lets narrow experts split groups of related tasks. Head
biases start at the log class frequencies: the network starts by predicting
each task's prior, so rare classes need no epochs of climbing to their rate.
"""

import inspect
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["ConvTrunk", "MLPTrunk"]


class MLPTrunk(nn.Sequential):
    """Fully connected trunk with ReLU activations, the default for 2-D ``X``.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one sample; filled in from ``X`` by the estimator.
    hidden_sizes : tuple of int, default=(256, 256)
        Width of each hidden layer; the last one is the trunk's output width.
    dropout : float, default=0.0
        Dropout probability after each hidden layer.
    """

    def __init__(self, input_shape, hidden_sizes=(256, 256), dropout=0.0):
        layers = [nn.Flatten()]
        width = math.prod(input_shape)
        for size in hidden_sizes:
            layers += [nn.Linear(width, size), nn.ReLU()]
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = size
        super().__init__(*layers)


class ConvTrunk(nn.Sequential):
    """Small convolutional trunk, the default for image ``X`` of shape (n, c, h, w).

    Two 3×3 convolutions with ReLU, the second with stride 2, pooled to a 4×4
    grid (which keeps where things are in the image), then one dense layer.

    Parameters
    ----------
    input_shape : tuple of int
        ``(channels, height, width)`` of one image; filled in by the estimator.
    channels : tuple of int, default=(32, 64)
        Output channels of the two convolutions.
    hidden_size : int, default=128
        Width of the dense layer, the trunk's output width.
    dropout : float, default=0.0
        Dropout probability before the dense layer.
    """

    def __init__(self, input_shape, channels=(32, 64), hidden_size=128, dropout=0.0):
        first, second = channels
        super().__init__(
            nn.Conv2d(input_shape[0], first, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(first, second, kernel_size=3, padding=1, stride=2),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(4),
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(second * 16, hidden_size),
            nn.ReLU(),
        )


def build_trunk(module, module_params, input_shape):
    """Instantiate the user's trunk class, filling ``input_shape`` if it takes one."""
    params = dict(module_params)
    if "input_shape" in inspect.signature(module).parameters:
        params.setdefault("input_shape", input_shape)
    return module(**params)


class BatchStandardize(nn.BatchNorm1d):
    """Standardise each unit over the batch, without a learnt scale or shift.

    One call of ``F.batch_norm`` per batch: the module's own forward also
    counts batches (an extra tensor operation per step) for a momentum we do
    not use.
    """

    def __init__(self, width):
        super().__init__(width, affine=False)

    def forward(self, x):
        batch_statistics = self.training and len(x) > 1  # one row has no batch statistics
        return F.batch_norm(
            x,
            self.running_mean,
            self.running_var,
            training=batch_statistics,
            momentum=self.momentum,
            eps=self.eps,
        )


def _rows_as_vectors(batch):
    """``batch.flatten(1)``, without the call (a tensor operation each step) when already 2-D."""
    return batch if batch.dim() == 2 else batch.flatten(1)


class MultiTaskNetwork(nn.Module):
    """``K`` experts, the allocation ``alpha`` (n_tasks, K) and fused task heads.

    Parameters
    ----------
    experts : list of nn.Module
        Each maps a batch to features of width ``expert_width``.
    expert_width : int
        Output width of every expert.
    n_classes : list of int
        Number of classes of each task.
    """

    def __init__(self, experts, expert_width, n_classes):
        super().__init__()
        self.experts = nn.ModuleList(experts)
        self.normalize = BatchStandardize(len(experts) * expert_width)
        self.alpha = nn.Parameter(torch.ones(len(n_classes), len(experts)))
        self.heads = nn.Linear(expert_width, sum(n_classes))
        nn.init.zeros_(self.heads.weight)
        if len(set(n_classes)) == 1:  # α's rows broadcast over the tasks' equal blocks of logits
            self.register_buffer("expand", None)
        else:
            task_of_logit = torch.repeat_interleave(torch.arange(len(n_classes)), torch.tensor(n_classes))
            # (total classes, n_tasks) 0/1: copies α's row of a task to each of its logits
            # as a product, whose gradient is a product too (an index's is a scatter).
            self.register_buffer("expand", F.one_hot(task_of_logit).float(), persistent=False)

    def forward(self, x):
        if len(self.experts) == 1:  # the same without concatenating one tensor
            features = _rows_as_vectors(self.experts[0](x))
        else:
            features = torch.cat([_rows_as_vectors(expert(x)) for expert in self.experts], dim=1)
        return F.linear(self.normalize(features), self.scaled_head_weight(), self.heads.bias)

    def scaled_head_weight(self):
        """Head weights scaled by α, laid out like the concatenated experts: (total classes, K · width).

        ``Σ_k α_tk · W_t h_k(x)`` is then one product with the features.
        """
        weight = self.heads.weight
        if self.expand is None:
            tasks, experts = self.alpha.shape
            scaled = weight.view(tasks, -1, 1, weight.shape[1]) * self.alpha.view(tasks, 1, experts, 1)
        else:
            scaled = (self.expand @ self.alpha)[:, :, None] * weight[:, None, :]
        return scaled.reshape(len(weight), -1)

    @torch.no_grad()
    def start_at_priors_(self, class_counts):
        """Set each head's bias to the log of its task's class frequencies (add-one smoothed)."""
        counts = torch.as_tensor(np.concatenate(class_counts), dtype=self.heads.bias.dtype) + 1.0
        totals = torch.repeat_interleave(
            torch.stack([c.sum() for c in counts.split([len(c) for c in class_counts])]),
            torch.tensor([len(c) for c in class_counts]),
        )
        self.heads.bias.copy_((counts / totals).log())

    @torch.no_grad()
    def clip_heads_(self):
        """Keep head weights in [-1, 1] so that heads cannot grow to undo α."""
        self.heads.weight.clamp_(-1.0, 1.0)
