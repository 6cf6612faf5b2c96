import numpy as np
import torch
from sklearn.metrics import log_loss

from mtl_sklearn._layout import TaskLayout
from mtl_sklearn._loss import MultiTaskLoss


def test_loss_is_weighted_sum_of_labelled_cross_entropies_over_batch_size():
    rng = np.random.RandomState(0)
    n_classes, weights = [2, 3, 2], [1.0, 0.5, 0.0]
    logits = rng.normal(size=(6, sum(n_classes)))
    codes = np.array([[0, 2, 1], [1, -1, 0], [-1, 0, 1], [1, 1, -1], [0, -1, 0], [-1, 2, 1]])
    expected, start = 0.0, 0
    for t, size in enumerate(n_classes):
        rows = codes[:, t] != -1
        block = logits[rows, start : start + size]
        proba = np.exp(block) / np.exp(block).sum(axis=1, keepdims=True)
        expected += weights[t] * log_loss(codes[rows, t], proba, labels=range(size), normalize=False)
        start += size
    loss = MultiTaskLoss(TaskLayout(n_classes), weights)(torch.tensor(logits), torch.tensor(codes))
    np.testing.assert_allclose(loss.item(), expected / len(codes), rtol=1e-6)


def test_tasks_with_as_many_classes_match_the_general_path():
    rng = np.random.RandomState(1)
    logits = torch.tensor(rng.normal(size=(5, 6)))
    codes = torch.tensor([[0, 1, -1], [1, -1, 0], [1, 1, 1], [-1, 0, 0], [0, 0, 1]])
    weights = [0.3, 1.0, 0.7]
    fast = MultiTaskLoss(TaskLayout([2, 2, 2]), weights)(logits, codes)
    padded = torch.cat([logits, torch.zeros(5, 1)], dim=1)  # a 1-class task forces the grouped path
    general = MultiTaskLoss(TaskLayout([2, 2, 2, 1]), [*weights, 0.0])(
        padded, torch.cat([codes, -torch.ones(5, 1, dtype=torch.long)], 1)
    )
    np.testing.assert_allclose(fast.item(), general.item(), rtol=1e-12)
