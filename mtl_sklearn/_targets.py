"""Targets: one column of labels per task, each encoded on its own classes.

A task's classes are sorted as :func:`numpy.unique` sorts them, and each label
is encoded as its index in that task's ``classes``; a missing label is encoded
as ``MISSING`` (-1), which the loss ignores.
"""

import numbers
from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.utils.multiclass import type_of_target

MISSING = -1  # a missing label's code


def code_dtype(n_classes):
    """The dtype of the codes of tasks with at most ``n_classes`` classes: int16, int32 past 32,768."""
    return np.int16 if n_classes <= 2**15 else np.int32


def as_task_frame(Y):
    """Return ``Y`` as a DataFrame of one column per task, whether it was 1-D, and whether it named its tasks.

    Lists and arrays go through pandas so that each column keeps its own type
    (a list mixing string and integer tasks is not coerced to strings).
    A DataFrame names its tasks by its columns, a Series by its name.
    """
    if hasattr(Y, "toarray"):
        raise ValueError(
            "Y is a sparse matrix; pass a dense array or a DataFrame with one column of labels per task."
        )
    if isinstance(Y, pd.DataFrame):
        return Y, False, True
    if isinstance(Y, pd.Series):
        return Y.to_frame(name="task_0" if Y.name is None else Y.name), True, Y.name is not None
    if not isinstance(Y, (list, tuple)):
        Y = np.asarray(Y)
    ndim = np.ndim(Y) if isinstance(Y, np.ndarray) else np.asarray(Y, dtype=object).ndim
    if ndim not in (1, 2):
        raise ValueError(
            f"Y has {ndim} dimensions; pass a 1-D y for one task or a 2-D Y of shape (n_samples, n_tasks)."
        )
    frame = pd.DataFrame(Y if isinstance(Y, np.ndarray) else list(Y))
    frame.columns = [f"task_{t}" for t in range(frame.shape[1])]
    return frame, ndim == 1, False


def task_columns(Y, task_names, named):
    """``Y`` as a DataFrame whose columns are the fitted tasks, in their order.

    When both the fit and ``Y`` named their tasks, columns are matched by
    name (in any order); otherwise by position.
    """
    frame, _, y_named = as_task_frame(Y)
    names = [str(name) for name in frame.columns]
    _check_unique(names)
    if named and y_named and names != task_names:
        missing, unexpected = sorted(set(task_names) - set(names)), sorted(set(names) - set(task_names))
        if missing or unexpected:
            raise ValueError(
                f"Y's columns do not match the tasks the model was fitted on: missing {missing}, "
                f"unexpected {unexpected}. Pass one column per fitted task ({task_names})."
            )
        return frame.iloc[:, [names.index(name) for name in task_names]]
    if frame.shape[1] != len(task_names):
        raise ValueError(
            f"Y has {frame.shape[1]} columns but the model was fitted on "
            f"{len(task_names)} tasks ({', '.join(task_names)})."
        )
    return frame


def _check_unique(names):
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(
            f"Y has several columns named {repeated} (as strings); each task needs its own name."
        )


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
    """Where ``column``'s label is missing, and how many entries ``missing_label`` marked."""
    missing = column.isna().to_numpy(dtype=bool)
    is_nan = isinstance(missing_label, float) and np.isnan(missing_label)
    if missing_label is None or is_nan:
        return missing, 0
    marked = (column == missing_label).to_numpy(dtype=bool, na_value=False)
    return missing | marked, int(marked.sum())


# what str() makes of NaN, None and pd.NA, as numpy does when it stacks strings with them
STRINGIFIED_MISSING = ("nan", "NaN", "None", "<NA>")


def labelled_values(column, missing, name):
    """The labels of ``column`` where not ``missing``, objects inferred to one dtype."""
    values = column[~missing]
    if hasattr(values.dtype, "numpy_dtype"):  # pandas' nullable Int64, boolean...: no NA left
        return values.to_numpy(dtype=values.dtype.numpy_dtype)
    if values.dtype == object:
        values = values.infer_objects()
    values = values.to_numpy()
    if values.dtype.kind in "OUS":
        stringified = np.isin(values.astype(object), STRINGIFIED_MISSING)
        if stringified.any():
            found = sorted(set(values[stringified].tolist()))
            raise ValueError(
                f"Task {name!r} has {stringified.sum()} labels {found}: numpy writes NaN and None so "
                "when it stacks them with strings (np.c_, np.array of mixed columns). Pass Y as a "
                "DataFrame or an object array to keep them missing, or set missing_label to that "
                "string if it marks missing labels."
            )
    return values


def _is_numeric(values):
    """Whether labels are numbers or bools (rather than strings or other objects)."""
    if values.dtype.kind in "biuf":
        return True
    return values.dtype == object and all(isinstance(v, (numbers.Number, np.bool_)) for v in values)


def check_label_kind(values, task_classes, name):
    """Raise if ``values`` are strings for a task of numbers, or the other way round."""
    if len(values) and _is_numeric(values) != _is_numeric(task_classes):
        raise ValueError(
            f"Task {name!r} was fitted on labels such as {task_classes[:3].tolist()} but Y holds "
            f"{sorted(set(values.tolist()), key=str)[:3]}: another kind of label. Pass the task's "
            "labels as they were at fit (e.g. ints, not their strings)."
        )


def _task_classes(values, name, n_marked):
    """Sorted classes of one task's labelled values; raise if they are not class labels.

    ``n_marked`` is how many of the task's entries ``missing_label`` marked.
    """
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
        hint = (
            f" missing_label marked {n_marked} of its entries as missing: if that value is a class "
            "of this task, choose a missing_label that is not."
            if n_marked
            else ""
        )
        raise ValueError(
            f"Task {name!r} has only one class ({classes.tolist()[0]!r}) among its "
            "labelled rows; a classifier needs at least two classes per task. "
            f"Drop that column from Y.{hint}"
        )
    return classes


class Targets(NamedTuple):
    """A multi-task target, encoded (:func:`encode_targets`)."""

    task_names: list
    classes: list
    codes: np.ndarray
    one_dimensional: bool
    named: bool


def encode_targets(Y, missing_label=None, classes=None):
    """Encode a multi-task target.

    Parameters
    ----------
    Y : array-like or DataFrame of shape (n_samples,) or (n_samples, n_tasks)
        Labels; NaN, None, ``pd.NA`` and ``missing_label`` mark missing ones.
    missing_label : scalar or None
        Extra value that marks a missing label.
    classes : list of array-like, array-like or None
        Each task's classes (one array for a 1-D ``Y``), when given rather
        than learnt from ``Y``: ``Y`` need not hold them all.

    Returns
    -------
    targets : Targets
        ``task_names`` (list of str, unique), ``classes`` (sorted classes of
        each task), ``codes`` (array of shape (n_samples, n_tasks) of
        :func:`code_dtype`: each label's index in its task's classes, ``MISSING`` where missing),
        ``one_dimensional`` (whether ``Y`` was 1-D, a single task) and
        ``named`` (whether ``Y`` named its tasks).
    """
    frame, one_dimensional, named = as_task_frame(Y)
    if frame.shape[1] == 0:
        raise ValueError("Y has no columns; pass at least one task.")
    task_names = [str(name) for name in frame.columns]
    _check_unique(task_names)
    given = None if classes is None else ([classes] if one_dimensional else list(classes))
    if given is not None and len(given) != len(task_names):
        raise ValueError(f"classes has {len(given)} entries but Y has {len(task_names)} tasks.")
    classes, codes = [], np.empty(frame.shape, dtype=code_dtype(2))
    for t, name in enumerate(task_names):
        column = frame.iloc[:, t]
        missing, n_marked = _missing_mask(column, missing_label)
        if missing.all():
            raise ValueError(
                f"Task {name!r} has no labels: every entry is missing. Drop "
                "that column from Y, or label some of its rows."
            )
        values = labelled_values(column, missing, name)
        if given is None:
            task_classes = _task_classes(values, name, n_marked)
        else:
            task_classes = _given_classes(given[t], values, name)
        classes.append(task_classes)
        codes = codes.astype(np.result_type(codes, code_dtype(len(task_classes))), copy=False)
        codes[:, t] = MISSING
        codes[~missing, t] = np.searchsorted(task_classes, values)
    return Targets(task_names, classes, codes, one_dimensional, named)


def _given_classes(given, values, name):
    """The sorted ``classes=`` of one task, checked against its labels."""
    task_classes = np.unique(np.asarray(given))
    if len(task_classes) < 2:
        raise ValueError(f"classes of task {name!r} are {task_classes.tolist()}; a task needs two or more.")
    check_label_kind(values, task_classes, name)
    unknown = ~np.isin(values, task_classes)
    if unknown.any():
        raise ValueError(
            f"Task {name!r} has labels {sorted(set(values[unknown].tolist()))[:5]} that are not among its "
            f"classes {task_classes.tolist()}; give every class in classes=."
        )
    return task_classes


def labels_per_task(frame, classes, task_names, missing_label=None):
    """Each task's labelled rows (a mask) and labels, for the fitted tasks of ``frame``.

    ``frame`` comes from :func:`task_columns`. Labels of another kind than the
    task's classes raise a ValueError naming the task; unseen labels of the
    same kind are returned as they are.
    """
    out = []
    for t, (task_classes, name) in enumerate(zip(classes, task_names)):
        missing, _ = _missing_mask(frame.iloc[:, t], missing_label)
        values = labelled_values(frame.iloc[:, t], missing, name)
        check_label_kind(values, task_classes, name)
        out.append((~missing, values))
    return out


def encode_with_classes(frame, classes, task_names, missing_label=None):
    """Encode the tasks of ``frame`` (from :func:`task_columns`) on the classes learnt at fit.

    Returns ``codes`` as :func:`encode_targets` does; a label that is not one
    of its task's classes raises a ValueError naming the task.
    """
    codes = np.full(frame.shape, MISSING, dtype=code_dtype(max(map(len, classes))))
    for t, (labelled, values) in enumerate(labels_per_task(frame, classes, task_names, missing_label)):
        task_classes = classes[t]
        positions = np.searchsorted(task_classes, values).clip(0, len(task_classes) - 1)
        unknown = task_classes[positions] != values
        if unknown.any():
            raise ValueError(
                f"Task {task_names[t]!r} has labels never seen during fit: "
                f"{sorted(set(values[unknown].tolist()))[:5]}; known classes "
                f"are {task_classes.tolist()}."
            )
        codes[labelled, t] = positions
    return codes
