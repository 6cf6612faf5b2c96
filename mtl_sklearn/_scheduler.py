"""The task scheduler: the proximal step that keeps α non-negative and sparse.

α is trained by plain SGD (no momentum: an adaptive optimiser would change the
threshold per entry and lose C's meaning), followed after every optimiser step
by the proximal operator of ``penalty · ‖α‖₁`` on ``α ≥ 0``:
``α ← max(0, α − lr · (∂loss/∂α + penalty))``. Entries reach exactly zero.
"""

import torch

ALPHA_LEARNING_RATE = 0.05


def alpha_penalty(C, n_samples):
    """Weight of ``‖α‖₁`` in the per-row loss for sklearn's ``C``.

    sklearn's objective per task is ``C · Σ_i CE_i + ‖α_t‖₁``; the network's
    batch loss estimates ``Σ_i CE_i / n_samples``, so the same trade-off is a
    penalty of ``1 / (C · n_samples)`` per unit of α.
    """
    return 1.0 / (C * n_samples)


@torch.no_grad()
def proximal_step_(alpha, penalty, lr=ALPHA_LEARNING_RATE):
    """One SGD step on ``alpha`` followed by soft-thresholding at zero, in place."""
    step = penalty if alpha.grad is None else alpha.grad + penalty
    alpha.sub_(step, alpha=lr).clamp_(min=0.0)
    alpha.grad = None
