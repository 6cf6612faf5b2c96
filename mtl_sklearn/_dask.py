"""Predictions over a dask array, one task per block: lazy, and spread over a dask cluster's workers.

``MultiTaskClassifier.predict_proba`` returns one array per task, which
dask-ml's ``ParallelPostFit`` cannot map over blocks (it expects one array).
These functions do what it would, for a fitted model or a Pipeline ending in
one.
"""

import numpy as np
from sklearn.pipeline import Pipeline

from ._layout import TaskLayout

__all__ = ["dask_predict", "dask_predict_proba"]


def _model(estimator):
    return estimator[-1] if isinstance(estimator, Pipeline) else estimator


def _by_rows(X):
    """X with one chunk along every axis but the rows', as blocks of whole samples."""
    return X.rechunk({axis: -1 for axis in range(1, X.ndim)})


def dask_predict_proba(estimator, X):
    """Each task's class probabilities for a dask array, computed block by block when asked.

    Parameters
    ----------
    estimator : MultiTaskClassifier or Pipeline
        Fitted model (a Pipeline passes each block through its steps first).
    X : dask array of shape (n_samples, n_features) or (n_samples, c, h, w)
        Samples, chunked along the rows.

    Returns
    -------
    probas : list of dask arrays of shape (n_samples, n_classes_t), or a dask array
        As :meth:`MultiTaskClassifier.predict_proba`, lazily: ``dask.compute``
        them together to read every block once.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from mtl_sklearn import MultiTaskClassifier, dask_predict_proba
    >>> X = np.random.RandomState(0).normal(size=(100, 3)).astype(np.float32)
    >>> clf = MultiTaskClassifier(max_epochs=2, random_state=0).fit(X, np.c_[X[:, 0] > 0, X[:, 1] > 0])
    >>> probas = dask_predict_proba(clf, da.from_array(X, chunks=(30, 3)))
    >>> [p.shape for p in probas], np.allclose(probas[0].compute(), clf.predict_proba(X)[0])
    ([(100, 2), (100, 2)], True)
    """
    model = _model(estimator)
    widths = [len(c) for c in model._task_classes()]
    X = _by_rows(X)
    stacked = X.map_blocks(
        lambda block: np.hstack(list(_task_list(model, estimator.predict_proba(block)))),
        drop_axis=list(range(2, X.ndim)),
        chunks=(X.chunks[0], (sum(widths),)),
        dtype=np.float64,
        meta=np.empty((0, 0)),
    )
    probas = TaskLayout(widths).split(stacked)  # each task's columns, as the heads' logits are laid out
    return probas if model.outputs_2d_ else probas[0]


def dask_predict(estimator, X):
    """Each task's predicted class for a dask array, computed block by block when asked.

    Parameters
    ----------
    estimator : MultiTaskClassifier or Pipeline
        Fitted model.
    X : dask array of shape (n_samples, n_features) or (n_samples, c, h, w)
        Samples, chunked along the rows.

    Returns
    -------
    Y : dask array of shape (n_samples, n_tasks), or (n_samples,)
        As :meth:`MultiTaskClassifier.predict`, lazily.
    """
    model = _model(estimator)
    classes = model._task_classes()
    dtypes = {c.dtype for c in classes}
    dtype = dtypes.pop() if len(dtypes) == 1 else np.dtype(object)
    X = _by_rows(X)
    columns = ((len(classes),),) if model.outputs_2d_ else ()  # one per task, or none for 1-D y
    return X.map_blocks(
        estimator.predict,
        drop_axis=list(range(1 + len(columns), X.ndim)),
        chunks=(X.chunks[0], *columns),
        dtype=dtype,
        meta=np.empty((0,) * (1 + len(columns)), dtype=dtype),
    )


def _task_list(model, probas):
    return probas if model.outputs_2d_ else [probas]
