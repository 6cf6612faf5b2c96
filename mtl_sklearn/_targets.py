"""Targets: one column of labels per task, each encoded on its own classes.

A task's classes are sorted as :func:`numpy.unique` sorts them, and each label
is encoded as its index in that task's ``classes``; a missing label is encoded
as ``MISSING`` (-1), which the loss ignores.
"""

import numbers

import numpy as np
import pandas as pd
from sklearn.utils.multiclass import type_of_target

MISSING = -1


def as_task_frame(Y):
    """Return ``Y`` as a DataFrame of one column per task, and whether it was 1-D.

    Lists and arrays go through pandas so that each column keeps its own type
    (a list mixing string and integer tasks is not coerced to strings).
    """
    if hasattr(Y, "toarray"):
        raise ValueError(
            "Y is a sparse matrix; pass a dense array or a DataFrame with one column of labels per task."
        )
    if isinstance(Y, pd.DataFrame):
        return Y, False
    if isinstance(Y, pd.Series):
        return Y.to_frame(name="task_0" if Y.name is None else Y.name), True
    if not isinstance(Y, (list, tuple)):
        Y = np.asarray(Y)
    ndim = np.ndim(Y) if isinstance(Y, np.ndarray) else np.asarray(Y, dtype=object).ndim
    if ndim not in (1, 2):
        raise ValueError(
            f"Y has {ndim} dimensions; pass a 1-D y for one task or a 2-D Y of shape (n_samples, n_tasks)."
        )
    frame = pd.DataFrame(Y if isinstance(Y, np.ndarray) else list(Y))
    frame.columns = [f"task_{t}" for t in range(frame.shape[1])]
    return frame, ndim == 1


def check_missing_label(missing_label):
    """Raise if ``missing_label`` is not None, NaN or a scalar label."""
    if missing_label is None or isinstance(missing_label, (numbers.Number, str)):
        return
    raise ValueError(
        f"missing_label={missing_label!r} is not supported: use None (missing "
        "labels are NaN, None or pd.NA) or one scalar label that marks a missing "
        "entry, such as -1 or '?'."
    )


def _missing_mask(column, missing_label):
    missing = column.isna().to_numpy(dtype=bool)
    is_nan = isinstance(missing_label, float) and np.isnan(missing_label)
    if missing_label is not None and not is_nan:
        missing = missing | (column == missing_label).to_numpy(dtype=bool, na_value=False)
    return missing


def labelled_values(column, missing):
    """The labels of ``column`` where not ``missing``, objects inferred to one dtype."""
    values = column[~missing]
    if hasattr(values.dtype, "numpy_dtype"):  # pandas' nullable Int64, boolean...: no NA left
        return values.to_numpy(dtype=values.dtype.numpy_dtype)
    if values.dtype == object:
        values = values.infer_objects()
    return values.to_numpy()


def _task_classes(values, name):
    """Sorted classes of one task's labelled values; raise if they are not class labels."""
    try:
        classes = np.unique(values)
    except TypeError as error:
        types = sorted({type(v).__name__ for v in values})
        raise ValueError(
            f"Task {name!r} mixes label types {types}; use one type per task "
            "(e.g. convert its labels to str)."
        ) from error
    kind = type_of_target(values)
    if kind not in ("binary", "multiclass"):
        raise ValueError(
            f"Task {name!r} has {kind} labels (first values {values[:3].tolist()}); "
            "each task must hold class labels (ints, strings or bools). Bin a "
            "continuous target first, or mark missing entries with NaN/None or "
            "missing_label."
        )
    if len(classes) < 2:
        raise ValueError(
            f"Task {name!r} has only one class ({classes[0]!r}) among its "
            "labelled rows; a classifier needs at least two classes per task. "
            "Drop that column from Y."
        )
    return classes


def encode_targets(Y, missing_label=None):
    """Encode a multi-task target.

    Parameters
    ----------
    Y : array-like or DataFrame of shape (n_samples,) or (n_samples, n_tasks)
        Labels; NaN, None, ``pd.NA`` and ``missing_label`` mark missing ones.
    missing_label : scalar or None
        Extra value that marks a missing label.

    Returns
    -------
    task_names : list of str
    classes : list of ndarray
        Sorted classes of each task.
    codes : ndarray of shape (n_samples, n_tasks), dtype int64
        Index of each label in its task's classes, ``MISSING`` where missing.
    one_dimensional : bool
        Whether ``Y`` was 1-D (a single task).
    """
    frame, one_dimensional = as_task_frame(Y)
    if frame.shape[1] == 0:
        raise ValueError("Y has no columns; pass at least one task.")
    task_names = [str(name) for name in frame.columns]
    classes, codes = [], np.empty(frame.shape, dtype=np.int64)
    for t, name in enumerate(task_names):
        column = frame.iloc[:, t]
        missing = _missing_mask(column, missing_label)
        if missing.all():
            raise ValueError(
                f"Task {name!r} has no labels: every entry is missing. Drop "
                "that column from Y, or label some of its rows."
            )
        values = labelled_values(column, missing)
        task_classes = _task_classes(values, name)
        classes.append(task_classes)
        codes[:, t] = MISSING
        codes[~missing, t] = np.searchsorted(task_classes, values)
    return task_names, classes, codes, one_dimensional


def encode_with_classes(Y, classes, task_names, missing_label=None):
    """Encode ``Y`` on classes learnt at fit time (for scoring).

    Returns ``codes`` as :func:`encode_targets` does; a label that is not one
    of its task's classes raises a ValueError naming the task.
    """
    frame, _ = as_task_frame(Y)
    if frame.shape[1] != len(classes):
        raise ValueError(
            f"Y has {frame.shape[1]} columns but the model was fitted on "
            f"{len(classes)} tasks ({', '.join(task_names)})."
        )
    codes = np.full(frame.shape, MISSING, dtype=np.int64)
    for t, task_classes in enumerate(classes):
        column = frame.iloc[:, t]
        missing = _missing_mask(column, missing_label)
        values = labelled_values(column, missing)
        positions = np.searchsorted(task_classes, values).clip(0, len(task_classes) - 1)
        unknown = task_classes[positions] != values
        if unknown.any():
            raise ValueError(
                f"Task {task_names[t]!r} has labels never seen during fit: "
                f"{sorted(set(values[unknown].tolist()))[:5]}; known classes "
                f"are {task_classes.tolist()}."
            )
        codes[~missing, t] = positions
    return codes
