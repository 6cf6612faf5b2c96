"""The task-to-expert allocation α: the seed's task scheduler, in one place.

Task ``t`` reads ``z_t = Σ_k α_tk · h_k(x)`` from the ``K`` experts. α is
learnt, non-negative and sparse. Four things make it so, and live here:

- **its parameter** ``alpha`` (n_tasks, K), scaling the task heads: the logits
  of task ``t`` are ``Σ_k α_tk · W_t h_k(x) + b_t``, one product with the
  concatenated expert outputs;
- **its identifiability**: each unit of the experts' output is standardised
  over the batch (running statistics at predict time) and head weights are
  clipped to ``[-1, 1]``, so neither side can undo a shrinking α by growing;
- **its penalty** ``‖α‖₁ / (C · n)`` per row, scikit-learn's meaning of C;
- **its update**: plain SGD followed by the proximal step of the penalty on
  ``α ≥ 0``, ``α ← max(0, α − lr · (∂loss/∂α + penalty))``, after every step
  of the network's optimiser (an adaptive optimiser would change the threshold
  per entry and lose C's meaning, so α is left out of it). Entries reach
  exactly zero.

Without an allocation (``C=None``) the network is the plain shared trunk.
"""

import torch
import torch.nn.functional as F
from torch import nn

ALPHA_LEARNING_RATE = 0.05


def alpha_penalty(C, n_samples):
    """Weight of ``‖α‖₁`` in the per-row loss for scikit-learn's ``C``.

    scikit-learn's objective per task is ``C · Σ_i loss_i + ‖α_t‖₁``; the
    network's batch loss estimates ``Σ_i loss_i / n_samples``, so the same
    trade-off is a penalty of ``1 / (C · n_samples)`` per unit of α.
    """
    return 1.0 / (C * n_samples)


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


class TaskAllocation(nn.Module):
    """α between ``n_experts`` experts of width ``width`` and the tasks of ``layout``.

    Parameters
    ----------
    layout : TaskLayout
        The tasks' blocks of logits in the heads' output.
    n_experts : int
        Number of experts ``K``.
    width : int
        Output width of every expert.

    Attributes
    ----------
    alpha : torch.nn.Parameter of shape (n_tasks, n_experts)
        Starts at one.
    penalty : float
        Weight of ``‖α‖₁`` per row (:func:`alpha_penalty`); set before training.
    lr : float
        Step size of α's proximal SGD.
    """

    def __init__(self, layout, n_experts, width):
        super().__init__()
        self.alpha = nn.Parameter(torch.ones(layout.n_tasks, n_experts))
        self.standardize = BatchStandardize(n_experts * width)
        self.penalty = 0.0
        self.lr = ALPHA_LEARNING_RATE
        if layout.equal_classes:  # α's rows broadcast over the tasks' equal blocks of logits
            self.register_buffer("expand", None)
        else:
            # (n_logits, n_tasks) 0/1: copies α's row of a task to each of its logits
            # as a product, whose gradient is a product too (an index's is a scatter).
            task_of_logit = torch.as_tensor(layout.task_of_logit())
            self.register_buffer("expand", F.one_hot(task_of_logit, layout.n_tasks).float(), persistent=False)

    def forward(self, features, heads):
        """The logits of every task: ``heads`` applied to the standardised, α-weighted ``features``.

        ``features`` are the experts' outputs side by side, ``(batch, K · width)``;
        ``heads`` is the fused linear layer of all tasks, ``width → n_logits``.
        """
        return F.linear(self.standardize(features), self.scaled_weight(heads.weight), heads.bias)

    def scaled_weight(self, weight):
        """Head weights scaled by α, laid out like the concatenated experts: (n_logits, K · width).

        ``Σ_k α_tk · W_t h_k(x)`` is then one product with the features.
        """
        if self.expand is None:
            tasks, experts = self.alpha.shape
            scaled = weight.view(tasks, -1, 1, weight.shape[1]) * self.alpha.view(tasks, 1, experts, 1)
        else:
            scaled = (self.expand @ self.alpha)[:, :, None] * weight[:, None, :]
        return scaled.reshape(len(weight), -1)

    @torch.no_grad()
    def step_(self, heads):
        """After an optimiser step: α's proximal SGD step, then the bound on the head weights."""
        alpha = self.alpha
        step = self.penalty if alpha.grad is None else alpha.grad + self.penalty
        alpha.sub_(step, alpha=self.lr).clamp_(min=0.0)
        alpha.grad = None
        heads.weight.clamp_(-1.0, 1.0)
