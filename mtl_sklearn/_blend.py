"""The per-task baselines and the λ blend of network and baseline probabilities."""

import warnings
from functools import partial

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import has_fit_parameter

from ._host import bounded_rows
from ._targets import MISSING


def default_baseline(sparse):
    """Standardised logistic regression: fast, calibrated, good with few labels."""
    return make_pipeline(StandardScaler(with_mean=not sparse), LogisticRegression(max_iter=1000))


def _dense(X):
    return X.toarray() if hasattr(X, "toarray") else X


def candidate_baselines(sparse):
    """The baselines that ``baseline="auto"`` chooses from, per task, by name.

    Standardised logistic regression (linear, calibrated, good with few
    labels) and histogram gradient boosting (non-linear, strong on tabular
    data with thousands of rows; it reads sparse X one task's rows densified).
    """
    boosting = HistGradientBoostingClassifier()
    if sparse:
        boosting = make_pipeline(FunctionTransformer(_dense, accept_sparse=True), boosting)
    return {"logistic_regression": default_baseline(sparse), "gradient_boosting": boosting}


def fit_baselines(
    baseline, X, classes, codes, seed, task_names, sample_weight=None, n_jobs=None, incremental=False
):
    """Clone and fit a baseline per task on that task's labelled rows, ``n_jobs`` tasks at a time.

    ``baseline`` is one estimator for every task, or a list of one per task.
    Each baseline learns the task's original labels, with the rows' weights
    when it takes ``sample_weight`` (every step of a Pipeline that takes it).
    Images are flattened to one row each. When X is out of core, each fits on
    at most 100,000 of its task's labelled rows (and at most 64 MB of them),
    drawn at random: not a copy of X (:func:`~mtl_sklearn._host.baseline_rows`).
    A baseline that fails raises a ValueError naming the task. ``incremental``
    starts each with ``partial_fit`` (told every class of its task), for
    :func:`update_baselines` to go on.
    """
    per_task = baseline if isinstance(baseline, list) else [baseline] * len(classes)
    weighted = [sample_weight is not None and _weight_params(b, sample_weight) is not None for b in per_task]
    if sample_weight is not None and not all(weighted):
        unweighted = next(b for b, w in zip(per_task, weighted) if not w)
        warnings.warn(
            f"The baseline {unweighted!r} does not take sample_weight: it is fitted without the weights.",
            UserWarning,
            stacklevel=3,
        )
    jobs = (
        delayed(_fit_one)(
            estimator,
            X,
            codes[:, t],
            task_classes,
            seed,
            name,
            sample_weight if weights else None,
            incremental,
        )
        for t, (estimator, weights, task_classes, name) in enumerate(
            zip(per_task, weighted, classes, task_names)
        )
    )
    return Parallel(n_jobs=n_jobs)(jobs)


def _fit_one(baseline, X, codes, classes, seed, name, sample_weight, incremental):
    rows = bounded_rows(X, np.flatnonzero(codes != MISSING), seed)
    X_task, y_task = _flat(X[rows]), classes[codes[rows]]
    estimator = clone(baseline)
    estimator.set_params(**{k: seed for k in estimator.get_params() if k.endswith("random_state")})
    weights = {} if sample_weight is None else _weight_params(estimator, sample_weight[rows])
    try:
        if incremental:  # it learns chunk by chunk: tell it every class now
            return estimator.partial_fit(X_task, y_task, classes=classes, **weights)
        return estimator.fit(X_task, y_task, **weights)
    except Exception as error:
        raise ValueError(
            f"The baseline {baseline!r} failed on task {name!r} ({len(rows)} labelled rows): "
            f"{type(error).__name__}: {error}"
        ) from error


def _flat(X):
    """Images as one row each: what a scikit-learn baseline reads."""
    return X.reshape(X.shape[0], -1) if X.ndim > 2 else X


def update_baselines(baselines, X, classes, codes, sample_weight=None):
    """The baselines that have ``partial_fit`` learn the labelled rows of ``X``; the others stay."""
    for t, (estimator, task_classes) in enumerate(zip(baselines, classes)):
        labelled = codes[:, t] != MISSING
        if hasattr(estimator, "partial_fit") and labelled.any():
            weights = (
                {} if sample_weight is None else _weight_params(estimator, sample_weight[labelled]) or {}
            )
            estimator.partial_fit(_flat(X[labelled]), task_classes[codes[labelled, t]], **weights)
    return baselines


def _weight_params(estimator, sample_weight):
    """``fit``'s keyword arguments that pass ``sample_weight``, or None if the estimator takes none."""
    if isinstance(estimator, Pipeline):
        steps = [(name, step) for name, step in estimator.steps if step not in (None, "passthrough")]
        params = {
            f"{name}__sample_weight": sample_weight
            for name, step in steps
            if has_fit_parameter(step, "sample_weight")
        }
        return params if has_fit_parameter(steps[-1][1], "sample_weight") else None
    return {"sample_weight": sample_weight} if has_fit_parameter(estimator, "sample_weight") else None


def baseline_probas(baselines, X, classes):
    """One ``(n_samples, n_classes_t)`` array of probabilities per task, columns in ``classes[t]``'s order.

    A baseline's columns follow its own ``classes_``; a class it never saw
    (it was fitted on rows without it) gets probability 0.
    """
    X = _flat(X)
    probas = []
    for estimator, task_classes in zip(baselines, classes):
        proba = estimator.predict_proba(X).astype(np.float64)
        seen = np.asarray(getattr(estimator, "classes_", task_classes))
        if not np.array_equal(seen, task_classes):
            aligned = np.zeros((len(proba), len(task_classes)))
            aligned[:, np.searchsorted(task_classes, seen)] = proba
            proba = aligned
        probas.append(proba)
    return probas


def blend(net_probas, base_probas, lambdas):
    """``λ_t · p_net,t + (1 − λ_t) · p_base,t`` per task (the network alone without baselines)."""
    if base_probas is None:
        return net_probas
    return [
        p_net if lam == 1.0 else lam * p_net + (1.0 - lam) * p_base
        for p_net, p_base, lam in zip(net_probas, base_probas, lambdas)
    ]


LAMBDA_GRID = np.linspace(0.0, 1.0, 11)
MIN_HELD_OUT_LABELS = 5  # fewer labels to score λ on, and λ falls back to FALLBACK_LAMBDA
FALLBACK_LAMBDA = 0.5  # by convexity, its log-loss is at most the mean of the network's and the baseline's


def _labelled_log_loss(y, labelled, n_classes, sample_weight, proba):
    weights = None if sample_weight is None else sample_weight[labelled]
    return log_loss(y, proba[labelled], labels=range(n_classes), sample_weight=weights)


def choose_lambdas(net_probas, base_probas, codes, task_names, sample_weight=None):
    """Per task, the λ of ``LAMBDA_GRID`` whose blend has the lowest log-loss.

    Log-losses weigh the rows by ``sample_weight`` when given.
    ``net_probas[t]`` is None for a task the network dropped (λ = 0). λ = 0 is
    the baseline itself, so the chosen blend is never worse than the baseline
    on these rows. A task with fewer than ``MIN_HELD_OUT_LABELS`` labelled
    rows here gets λ = ``FALLBACK_LAMBDA``.

    Returns
    -------
    lambdas : ndarray of shape (n_tasks,)
    scores : DataFrame
        Per task: held-out count, log-loss of network, baseline and blend, λ.
    """
    lambdas, rows = np.full(len(task_names), FALLBACK_LAMBDA), []
    for t, (p_net, p_base) in enumerate(zip(net_probas, base_probas)):
        labelled = codes[:, t] != MISSING
        y, n_classes = codes[labelled, t], p_base.shape[1]
        p_base = p_base / p_base.sum(axis=1, keepdims=True)  # float32 baselines sum to 1 ± 1e-7
        loss = partial(_labelled_log_loss, y, labelled, n_classes, sample_weight)
        network = np.nan if p_net is None or not labelled.any() else loss(p_net)
        if p_net is None:
            lambdas[t] = 0.0
        elif labelled.sum() >= MIN_HELD_OUT_LABELS:
            lambdas[t] = LAMBDA_GRID[
                int(np.argmin([loss(lam * p_net + (1 - lam) * p_base) for lam in LAMBDA_GRID]))
            ]
        blended = p_base if p_net is None else lambdas[t] * p_net + (1 - lambdas[t]) * p_base
        baseline, blend_loss = (loss(p_base), loss(blended)) if labelled.any() else (np.nan, np.nan)
        rows.append((int(labelled.sum()), network, baseline, blend_loss, lambdas[t]))
    columns = ["n_valid", "network_log_loss", "baseline_log_loss", "blend_log_loss", "lambda"]
    return lambdas, pd.DataFrame(rows, index=pd.Index(task_names, name="task"), columns=columns)
