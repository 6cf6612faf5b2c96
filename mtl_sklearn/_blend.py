"""The per-task baselines and the λ blend of network and baseline probabilities."""

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ._targets import MISSING


def default_baseline(sparse):
    """Standardised logistic regression: fast, calibrated, good with few labels."""
    return make_pipeline(StandardScaler(with_mean=not sparse), LogisticRegression(max_iter=1000))


def fit_baselines(baseline, X, classes, codes, seed):
    """Clone and fit ``baseline`` per task on that task's labelled rows.

    Each baseline learns the task's original labels, so its ``classes_`` are
    ``classes[t]`` in the same order. Images are flattened to one row each.
    """
    X = X.reshape(len(X), -1) if X.ndim > 2 else X
    baselines = []
    for t, task_classes in enumerate(classes):
        labelled = codes[:, t] != MISSING
        estimator = clone(baseline)
        seeds = {k: seed for k in estimator.get_params() if k.endswith("random_state")}
        estimator.set_params(**seeds)
        baselines.append(estimator.fit(X[labelled], task_classes[codes[labelled, t]]))
    return baselines


def baseline_probas(baselines, X):
    """One ``(n_samples, n_classes_t)`` array of probabilities per task."""
    X = X.reshape(len(X), -1) if X.ndim > 2 else X
    return [estimator.predict_proba(X) for estimator in baselines]


def blend(net_probas, base_probas, lambdas):
    """``λ_t · p_net,t + (1 − λ_t) · p_base,t`` per task (the network alone without baselines)."""
    if base_probas is None:
        return net_probas
    return [
        p_net if lam == 1.0 else lam * p_net + (1.0 - lam) * p_base
        for p_net, p_base, lam in zip(net_probas, base_probas, lambdas)
    ]
