"""The per-task baselines and the λ blend of network and baseline probabilities."""

from functools import partial

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
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
    return [estimator.predict_proba(X).astype(np.float64) for estimator in baselines]


def blend(net_probas, base_probas, lambdas):
    """``λ_t · p_net,t + (1 − λ_t) · p_base,t`` per task (the network alone without baselines)."""
    if base_probas is None:
        return net_probas
    return [
        p_net if lam == 1.0 else lam * p_net + (1.0 - lam) * p_base
        for p_net, p_base, lam in zip(net_probas, base_probas, lambdas)
    ]


LAMBDA_GRID = np.linspace(0.0, 1.0, 11)


def _labelled_log_loss(y, labelled, n_classes, proba):
    return log_loss(y, proba[labelled], labels=range(n_classes))


def choose_lambdas(net_probas, base_probas, codes, task_names):
    """Per task, the λ of ``LAMBDA_GRID`` whose blend has the lowest log-loss.

    ``net_probas[t]`` is None for a task the network dropped (λ = 0). λ = 0 is
    the baseline itself, so the chosen blend is never worse than the baseline
    on these rows. A task without labelled rows here gets λ = 0.5.

    Returns
    -------
    lambdas : ndarray of shape (n_tasks,)
    scores : DataFrame
        Per task: held-out count, log-loss of network, baseline and blend, λ.
    """
    lambdas, rows = np.full(len(task_names), 0.5), []
    for t, (p_net, p_base) in enumerate(zip(net_probas, base_probas)):
        labelled = codes[:, t] != MISSING
        y, n_classes = codes[labelled, t], p_base.shape[1]
        if not labelled.any():
            rows.append((0, np.nan, np.nan, np.nan, lambdas[t]))
            continue
        p_base = p_base / p_base.sum(axis=1, keepdims=True)  # float32 baselines sum to 1 ± 1e-7
        loss = partial(_labelled_log_loss, y, labelled, n_classes)
        if p_net is None:
            lambdas[t], network = 0.0, np.nan
        else:
            losses = [loss(lam * p_net + (1 - lam) * p_base) for lam in LAMBDA_GRID]
            lambdas[t], network = LAMBDA_GRID[int(np.argmin(losses))], losses[-1]
        blended = p_base if p_net is None else lambdas[t] * p_net + (1 - lambdas[t]) * p_base
        rows.append((int(labelled.sum()), network, loss(p_base), loss(blended), lambdas[t]))
    columns = ["n_valid", "network_log_loss", "baseline_log_loss", "blend_log_loss", "lambda"]
    return lambdas, pd.DataFrame(rows, index=pd.Index(task_names, name="task"), columns=columns)
