"""Property-based tests (hypothesis): Y layouts a user's data can have, and injected faults.

Each property can fail: the encoding must give back every label, the model's
outputs must be proper per task whatever the label types and missing
patterns, tasks must be matched by name whatever the column order, and a fit
that raises, wherever the fault, must leave the estimator as it was.
"""

import os
import signal
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from skorch.callbacks import Callback

from mtl_sklearn import MultiTaskClassifier
from mtl_sklearn._targets import MISSING, encode_targets

N_ROWS = 40
X = np.random.RandomState(0).normal(size=(N_ROWS, 3)).astype(np.float32)
FITS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

KINDS = ["int", "float", "str", "bool", "category", "Int64", "boolean"]


@st.composite
def task_columns(draw, n_rows=N_ROWS):
    """One task: labels of some kind, 2-4 classes, some missing (NaN, None or pd.NA)."""
    kind = draw(st.sampled_from(KINDS))
    n_classes = 2 if kind in ("bool", "boolean") else draw(st.integers(2, 4))
    codes = np.array(draw(st.lists(st.integers(0, n_classes - 1), min_size=n_rows, max_size=n_rows)))
    codes[:n_classes] = np.arange(n_classes)  # every class labelled at least once
    missing = np.array(draw(st.lists(st.booleans(), min_size=n_rows, max_size=n_rows)))
    missing[:n_classes] = False
    values = {
        "int": np.array([-3, 0, 7, 12]),
        "float": np.array([0.0, 1.0, 2.0, 5.0]),  # class labels: integral floats
        "str": np.array(["b", "a", "c", "zz"], dtype=object),
        "bool": np.array([False, True]),
        "category": np.array(["x", "y", "w", "v"], dtype=object),
        "Int64": np.array([3, 1, 2, 0]),
        "boolean": np.array([True, False]),
    }[kind][codes]
    column = pd.Series(values, dtype=object)
    marker = draw(st.sampled_from([np.nan, None] + ([pd.NA] if kind in ("Int64", "boolean") else [])))
    column[missing] = marker
    if kind in ("Int64", "boolean", "category"):
        column = column.astype({"Int64": "Int64", "boolean": "boolean", "category": "category"}[kind])
    elif kind in ("int", "float", "bool") and marker is not None:
        column = column.astype(float) if kind != "bool" else column
    return column, codes, missing


@st.composite
def targets(draw):
    """A DataFrame of 1-3 tasks with unique names, and each task's true codes and missing mask."""
    n_tasks = draw(st.integers(1, 3))
    names = draw(
        st.lists(st.text("abcdefgh", min_size=1, max_size=4), min_size=n_tasks, max_size=n_tasks, unique=True)
    )
    columns = [draw(task_columns()) for _ in names]
    frame = pd.DataFrame({name: column for name, (column, _, _) in zip(names, columns)})
    return frame, [c for _, c, _ in columns], [m for _, _, m in columns]


@given(targets())
@settings(deadline=None)
def test_encoding_gives_back_every_label_and_each_missing_one(data):
    frame, _, missing = data
    names, classes, codes, _, named = encode_targets(frame)
    assert named and names == list(frame.columns)
    for t, name in enumerate(names):
        labelled = ~missing[t]
        np.testing.assert_array_equal(codes[missing[t], t], MISSING)
        decoded = classes[t][codes[labelled, t]]
        original = frame[name][labelled].to_numpy()
        assert [str(v) for v in decoded] == [str(v) for v in original]
        assert list(classes[t]) == sorted(classes[t])


@given(targets())
@FITS
def test_outputs_are_proper_for_any_layout_of_Y(data):
    frame, _, _ = data
    clf = MultiTaskClassifier(max_epochs=1, module__hidden_sizes=(8,), random_state=0).fit(X, frame)
    predicted = clf.predict(X)
    assert predicted.shape == (N_ROWS, frame.shape[1])
    for t, (task_classes, proba) in enumerate(zip(clf.classes_, clf.predict_proba(X))):
        assert proba.shape == (N_ROWS, len(task_classes))
        assert np.isfinite(proba).all() and np.allclose(proba.sum(axis=1), 1)
        assert set(predicted[:, t]) <= set(task_classes)
        np.testing.assert_array_equal(predicted[:, t], task_classes[proba.argmax(axis=1)])


@given(targets(), st.randoms(use_true_random=False))
@FITS
def test_tasks_are_matched_by_name_in_any_column_order(data, random):
    frame, _, _ = data
    clf = MultiTaskClassifier(max_epochs=1, module__hidden_sizes=(8,), random_state=0).fit(X, frame)
    order = list(frame.columns)
    random.shuffle(order)
    assert clf.score_tasks(X, frame[order]) == clf.score_tasks(X, frame)
    assert list(clf.score_tasks(X, frame[order])) == list(frame.columns)


# -- faults -----------------------------------------------------------------------


class FaultyTrunk(torch.nn.Module):
    """A small trunk that turns NaN from a given training step on."""

    def __init__(self, input_shape, nan_from_step=None, hidden_sizes=None):  # the MLP's setting, unused
        super().__init__()
        self.layer = torch.nn.Linear(input_shape[0], 4)
        self.nan_from_step, self.steps = nan_from_step, 0

    def forward(self, x):
        if self.training:
            self.steps += 1
        out = torch.relu(self.layer(x))
        if self.nan_from_step is not None and self.steps >= self.nan_from_step:
            out = out * float("nan")
        return out


class FailingBaseline(ClassifierMixin, BaseEstimator):
    """LogisticRegression that fails on a given task (the one whose classes are ``on``)."""

    def __init__(self, on=None):
        self.on = on

    def fit(self, X, y):
        if self.on is not None and set(np.unique(y).tolist()) == set(self.on):
            raise RuntimeError("injected baseline failure")
        self.model_ = LogisticRegression().fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(X)


class FaultAt(Callback):
    """Raises an error, or sends SIGINT, at one batch."""

    def __init__(self, batch=1, fault="error"):
        self.batch, self.fault = batch, fault

    def initialize(self):
        self.seen_ = 0
        return self

    def on_batch_end(self, net, **kwargs):
        self.seen_ += 1
        if self.seen_ == self.batch:
            if self.fault == "interrupt":
                os.kill(os.getpid(), signal.SIGINT)
            raise RuntimeError("injected callback failure")


Y = pd.DataFrame({"a": X[:, 0] > 0, "b": np.where(X[:, 1] > 0, "up", "down"), "c": X[:, 2] > 0.3})

faults = st.one_of(
    st.builds(lambda step: {"module": FaultyTrunk, "module__nan_from_step": step}, st.integers(1, 4)),
    st.builds(
        lambda task: {"baseline": FailingBaseline(on=[["down", "up"], [False, True]][task])},
        st.integers(0, 1),
    ),
    st.builds(
        lambda b, f: {"callbacks": [FaultAt(b, f)]},
        st.integers(1, 4),
        st.sampled_from(["error", "interrupt"]),
    ),
    st.just({"lambdas": [0.5, 2.0, 1.0]}),
    st.just({"module__hidden_sizes": "wide"}),
)


@given(faults, st.booleans(), st.sampled_from([1.0, "auto"]))
@FITS
def test_a_fit_that_raises_leaves_the_estimator_as_it_was(interruptible, fault, fitted_before, lambdas):
    clf = MultiTaskClassifier(max_epochs=2, batch_size=16, module__hidden_sizes=(8,), random_state=0)
    if fitted_before:
        clf.fit(X, Y)
    before = dict(vars(clf))
    proba = np.hstack(clf.predict_proba(X)) if fitted_before else None
    clf.set_params(**{"lambdas": lambdas, **fault})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises((ValueError, RuntimeError, TypeError, KeyboardInterrupt)):
            clf.fit(X, Y)
    changed = {
        k
        for k in before.keys() | vars(clf).keys()
        if k.endswith("_") and vars(clf).get(k) is not before.get(k)
    }
    assert changed == set()
    if fitted_before:
        np.testing.assert_array_equal(np.hstack(clf.predict_proba(X)), proba)
