"""Per-task figures of a fitted multi-task model, each on its task's labelled rows."""

import numpy as np
from sklearn.metrics import accuracy_score, balanced_accuracy_score, log_loss, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_consistent_length

from ._compat import _check_sample_weight
from ._targets import labels_per_task, task_columns

__all__ = ["score_tasks"]


def _roc_auc(true, proba, classes, name, **kwargs):
    """One-vs-rest ROC-AUC over the fitted classes; a label unseen at fit is a negative for each."""
    indicator = np.stack([true == label for label in classes], axis=1).astype(int)
    if len(classes) == 2:
        return roc_auc_score(indicator[:, 1], proba[:, 1], **kwargs)
    return roc_auc_score(indicator, proba, average="macro", **kwargs)


def _log_loss(true, proba, classes, name, **kwargs):
    unseen = ~np.isin(true, classes)
    if unseen.any():
        raise ValueError(
            f"Task {name!r} has labels never seen during fit ({sorted(set(true[unseen].tolist()))[:5]}): "
            "the model gives them no probability, so their log-loss is infinite. Score with "
            "'accuracy' (unseen labels count as wrong) or drop those rows."
        )
    return log_loss(true, proba, labels=classes, **kwargs)


_PROBA_METRICS = {"roc_auc": _roc_auc, "log_loss": _log_loss}
_LABEL_METRICS = {"accuracy": accuracy_score, "balanced_accuracy": balanced_accuracy_score}


def score_tasks(estimator, X, Y, metric="accuracy", sample_weight=None):
    """A figure per task of a fitted :class:`MultiTaskClassifier`, or a Pipeline ending in one.

    Parameters
    ----------
    estimator : MultiTaskClassifier or Pipeline
        Fitted model; a Pipeline passes ``X`` through its steps first.
    X : {array-like, sparse matrix, DataFrame}
        Samples.
    Y : array-like or DataFrame of shape (n_samples, n_tasks) or (n_samples,)
        True labels; missing ones (NaN, None, ``pd.NA``, ``missing_label``) are
        left out of their task's figure. A DataFrame's columns are matched to
        the tasks by name when the fit named them too, else by position. A
        label never seen during fit counts as a wrong prediction (as a
        negative of every class for ``"roc_auc"``; ``"log_loss"`` raises).
    metric : {"accuracy", "balanced_accuracy", "roc_auc", "log_loss"} or callable, \
            default="accuracy"
        A callable is called as ``metric(y_true, y_pred)`` on the labels.
    sample_weight : array-like of shape (n_samples,), default=None
        Weights of the rows (not for a callable metric).

    Returns
    -------
    scores : dict
        Task name mapped to its figure (NaN for a task with no labels in ``Y``).

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from mtl_sklearn import MultiTaskClassifier, score_tasks
    >>> from mtl_sklearn.datasets import load_penguins
    >>> X, Y = load_penguins(return_X_y=True, as_frame=True)
    >>> model = make_pipeline(StandardScaler(), MultiTaskClassifier(max_epochs=20, random_state=0))
    >>> scores = score_tasks(model.fit(X, Y), X, Y)
    >>> list(scores), scores["species"] > 0.95
    (['species', 'island', 'sex'], True)
    """
    if metric not in {**_PROBA_METRICS, **_LABEL_METRICS} and not callable(metric):
        raise ValueError(
            f"metric={metric!r} is not supported; use one of "
            f"{sorted({**_PROBA_METRICS, **_LABEL_METRICS})} or a callable."
        )
    model = estimator[-1] if isinstance(estimator, Pipeline) else estimator
    classes = model._task_classes()
    frame = task_columns(Y, model.task_names_, model._tasks_named)
    labels = labels_per_task(frame, classes, model.task_names_, model.missing_label)
    probas = estimator.predict_proba(X)
    probas = probas if model.outputs_2d_ else [probas]
    check_consistent_length(probas[0], frame)
    weights = None if sample_weight is None else _check_sample_weight(sample_weight, probas[0])
    scores = {}
    for name, task_classes, (rows, true), proba in zip(model.task_names_, classes, labels, probas):
        kwargs = {} if weights is None else {"sample_weight": weights[rows]}
        proba = proba[rows]
        if not rows.any():
            scores[name] = float("nan")
        elif callable(metric):
            scores[name] = float(metric(true, task_classes[proba.argmax(axis=1)]))
        elif metric in _PROBA_METRICS:
            scores[name] = float(_PROBA_METRICS[metric](true, proba, task_classes, name, **kwargs))
        else:
            scores[name] = float(_LABEL_METRICS[metric](true, task_classes[proba.argmax(axis=1)], **kwargs))
    return scores
