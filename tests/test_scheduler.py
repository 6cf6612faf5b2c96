"""The task scheduler: α, its L1 penalty through C, and dropped tasks."""

import numpy as np
import torch

from mtl_sklearn import MultiTaskClassifier
from mtl_sklearn._scheduler import alpha_penalty, proximal_step_


def test_proximal_step_is_sgd_then_soft_threshold_at_zero():
    alpha = torch.nn.Parameter(torch.tensor([[1.0, 0.02], [0.5, 0.3]]))
    alpha.grad = torch.tensor([[0.0, 0.0], [-1.0, 10.0]])
    proximal_step_(alpha, penalty=0.2, lr=0.1)
    np.testing.assert_allclose(alpha.detach().numpy(), [[0.98, 0.0], [0.58, 0.0]], rtol=1e-6)
    assert alpha.grad is None


def test_penalty_has_sklearn_meaning_of_C():
    assert alpha_penalty(C=0.5, n_samples=1000) == 1 / 500
    assert alpha_penalty(C=1.0, n_samples=10) == 10 * alpha_penalty(C=1.0, n_samples=100)


def test_tiny_C_drops_every_task_and_predicts_the_baselines(shared_factor_data):
    X, Y = shared_factor_data
    clf = MultiTaskClassifier(C=1e-6, max_epochs=2, random_state=0).fit(X, Y)
    assert np.all(clf.alpha_ == 0)
    assert clf.dropped_tasks_ == clf.task_names_
    assert clf.lambdas_.tolist() == [0.0] * 4
    for proba, baseline in zip(clf.predict_proba(X), clf.baselines_):
        np.testing.assert_array_equal(proba, baseline.predict_proba(X))


def test_large_C_schedules_every_task(shared_factor_data):
    X, Y = shared_factor_data
    clf = MultiTaskClassifier(C=1e3, n_experts=2, max_epochs=2, random_state=0).fit(X, Y)
    assert clf.alpha_.shape == (4, 2)
    assert np.all(clf.alpha_ > 0) and clf.dropped_tasks_ == []


def test_alpha_is_not_trained_by_the_optimizer(shared_factor_data):
    X, Y = shared_factor_data
    clf = MultiTaskClassifier(max_epochs=1, random_state=0).fit(X, Y)
    optimised = {id(p) for group in clf.net_.optimizer_.param_groups for p in group["params"]}
    assert id(clf.net_.module_.alpha) not in optimised
