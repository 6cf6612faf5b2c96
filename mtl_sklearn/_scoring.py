"""Per-task figures of a fitted multi-task model, each on its task's labelled rows."""

import numpy as np
from sklearn.metrics import accuracy_score, balanced_accuracy_score, log_loss, roc_auc_score
from sklearn.pipeline import Pipeline

from ._targets import MISSING, encode_with_classes

__all__ = ["score_tasks"]

_PROBA_METRICS = {
    "roc_auc": lambda y, p, **kw: roc_auc_score(
        y, p[:, 1] if p.shape[1] == 2 else p, multi_class="ovr", **kw
    ),
    "log_loss": lambda y, p, **kw: log_loss(y, p, labels=np.arange(p.shape[1]), **kw),
}
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
        left out of their task's figure.
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
    codes = encode_with_classes(Y, classes, model.task_names_, model.missing_label)
    probas = estimator.predict_proba(X)
    probas = probas if model.outputs_2d_ else [probas]
    if codes.shape[0] != probas[0].shape[0]:
        raise ValueError(f"X has {probas[0].shape[0]} rows but Y has {codes.shape[0]}.")
    weights = None if sample_weight is None else np.asarray(sample_weight)
    scores = {}
    for t, name in enumerate(model.task_names_):
        rows = codes[:, t] != MISSING
        kwargs = {} if weights is None else {"sample_weight": weights[rows]}
        true, proba = codes[rows, t], probas[t][rows]
        if not rows.any():
            scores[name] = float("nan")
        elif callable(metric):
            scores[name] = float(metric(classes[t][true], classes[t][proba.argmax(axis=1)]))
        elif metric in _PROBA_METRICS:
            scores[name] = float(_PROBA_METRICS[metric](true, proba, **kwargs))
        else:
            scores[name] = float(_LABEL_METRICS[metric](true, proba.argmax(axis=1), **kwargs))
    return scores
