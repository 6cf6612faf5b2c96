"""Faults and odd folds: what a fit does when something goes wrong (issue: trust).

Each test injects a fault or builds the odd data a cross-validation fold can
hold, and checks that the estimator raises a clear error, warns, or copes, and
that a fit that raises leaves the estimator as it was.
"""

import os
import pickle
import signal
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import Callback

from mtl_sklearn import MultiTaskClassifier
from mtl_sklearn._net import MultiTaskNet

rng = np.random.RandomState(0)
X = rng.normal(size=(120, 4)).astype(np.float32)
Y = pd.DataFrame(
    {"a": X[:, 0] > 0, "b": np.where(X[:, 1] > 0.5, "hi", np.where(X[:, 1] < -0.5, "lo", "mid"))}
)
QUICK = dict(max_epochs=2, random_state=0)


def _state(clf):
    """What a fitted model predicts, to compare before and after a fit that raised."""
    return np.hstack(clf.predict_proba(X))


# -- 1. lambdas="auto" on odd folds -------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_auto_lambdas_with_a_rare_class_and_a_scarce_task(seed):
    # a class with 2 labels in one task, and a task with 4 labels in all: any held-out draw
    Y_odd = Y.copy()
    Y_odd.loc[:1, "b"] = "rare"
    Y_odd["scarce"] = None
    Y_odd.loc[[3, 40, 77, 100], "scarce"] = ["x", "y", "x", "y"]
    clf = MultiTaskClassifier(lambdas="auto", **{**QUICK, "random_state": seed}).fit(X, Y_odd)
    assert clf.classes_[1].tolist() == ["hi", "lo", "mid", "rare"]
    probas = clf.predict_proba(X)
    assert all(np.isfinite(p).all() and np.allclose(p.sum(axis=1), 1) for p in probas)
    assert [p.shape[1] for p in probas] == [2, 4, 2]
    scores = clf.validation_scores_
    # the rule: fewer than 5 held-out labels and λ falls back to 0.5
    assert clf.lambdas_[2] == 0.5 and scores.loc["scarce", "n_valid"] < 5


def test_auto_lambdas_with_a_500_class_task():
    X_many = np.random.RandomState(1).normal(size=(1000, 4)).astype(np.float32)
    Y_many = pd.DataFrame({"id": np.arange(1000) % 500, "sign": X_many[:, 0] > 0})
    clf = MultiTaskClassifier(lambdas="auto", baseline=LogisticRegression(max_iter=50), **QUICK)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 500 classes, 50 iterations
        clf.fit(X_many, Y_many)
    assert clf.predict_proba(X_many[:3])[0].shape == (3, 500)


def test_held_out_rows_keep_every_class_on_both_sides():
    from mtl_sklearn._split import held_out_rows

    codes = np.full((50, 2), -1)
    codes[:, 0] = np.r_[np.zeros(46), [1, 1, 2, 3]]  # class 1 twice, classes 2 and 3 once
    codes[::2, 1] = np.arange(25) % 2
    for seed in range(20):
        train, held = held_out_rows(codes, 0.5, seed, "test")
        assert set(codes[train, 0]) == {0, 1, 2, 3}  # singletons train
        assert {0, 1} <= set(codes[held, 0])  # a class with two labels is on both sides
        assert np.intersect1d(train, held).size == 0 and len(train) + len(held) == 50


# -- 2, 3. non-finite losses, divergence --------------------------------------------


class NaNTrunk(torch.nn.Module):
    """A trunk whose output turns NaN in training (from its first batch) or only when predicting."""

    def __init__(self, input_shape, when="train"):
        super().__init__()
        self.layer = torch.nn.Linear(input_shape[0], 4)
        self.when = when

    def forward(self, x):
        out = self.layer(x)
        if (self.when == "train") == self.training:
            out = out * float("nan")
        return out


@pytest.mark.parametrize("trunk, scale", [(NaNTrunk, 1.0), (None, 1e38)])  # a NaN trunk; finite but huge X
def test_a_non_finite_loss_stops_the_fit_naming_the_epoch(trunk, scale):
    clf = MultiTaskClassifier(trunk, max_epochs=3, baseline="drop")
    with pytest.raises(ValueError, match=r"loss on its training rows became nan at epoch 1.*lr=0.001"):
        clf.fit(X * np.float32(scale), Y)
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)


def test_probabilities_that_are_not_finite_are_never_returned():
    clf = MultiTaskClassifier(NaNTrunk, module__when="predict", lambdas=1.0, early_stopping=False, **QUICK)
    clf.fit(X, Y)
    with pytest.raises(ValueError, match=r"probabilities of task 'a' are not finite for 120 rows"):
        clf.predict_proba(X)


def test_a_diverging_learning_rate_warns():
    with pytest.warns(
        ConvergenceWarning, match=r"training loss ended at .* above .* Lower the learning rate"
    ):
        MultiTaskClassifier(lr=1e6, max_epochs=5, random_state=0).fit(X, Y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        MultiTaskClassifier(max_epochs=5, random_state=0).fit(X, Y)  # a sound fit does not warn


# -- 4. all or nothing --------------------------------------------------------------


def test_a_refit_that_raises_leaves_the_previous_model_usable():
    clf = MultiTaskClassifier(**QUICK).fit(X, Y)
    before, attributes = _state(clf), dict(vars(clf))
    one_class = Y.assign(b="only")
    with pytest.raises(ValueError, match="Task 'b' has only one class"):
        clf.fit(X[:, :3], one_class)  # other features too: nothing of this fit may stay
    assert clf.n_features_in_ == 4 and vars(clf).keys() == attributes.keys()
    np.testing.assert_array_equal(_state(clf), before)


class RaisingBaseline(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        raise RuntimeError("boom")

    def predict_proba(self, X):
        raise AssertionError


class RaisingCallback(Callback):
    def on_epoch_end(self, net, **kwargs):
        raise RuntimeError("callback failed")


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(baseline=RaisingBaseline()), r"The baseline RaisingBaseline\(\) failed on task 'a'.*boom"),
        (dict(callbacks=[RaisingCallback()]), "callback failed"),
        (dict(lambdas=[0.5]), "lambdas has 1 values"),
        (
            dict(missing_label="hi"),
            "Task 'b' has only one class",
        ),  # bad Y: "hi" marks missing, "mid"/"lo" stay
    ],
)
def test_a_first_fit_that_raises_leaves_the_estimator_unfitted(params, message):
    clf = MultiTaskClassifier(**QUICK, **params)
    Y_bad = Y.assign(b=Y["b"].replace("lo", "mid"))
    with pytest.raises((ValueError, RuntimeError), match=message):
        clf.fit(X, Y_bad if "missing_label" in params else Y)
    assert not [key for key in vars(clf) if key.endswith("_") and not key.startswith("_")]
    with pytest.raises(NotFittedError):
        clf.predict(X)


def test_a_raising_baseline_fails_before_the_network_trains(monkeypatch):
    trained = []
    monkeypatch.setattr(MultiTaskNet, "fit", lambda net, *a, **k: trained.append(net))
    with pytest.raises(ValueError, match="failed on task 'a'"):
        MultiTaskClassifier(baseline=RaisingBaseline(), **QUICK).fit(X, Y)
    assert trained == []


def test_nested_baseline_parameters_are_validated():
    with pytest.raises(ValueError, match=r"failed on task 'a'.*'C' parameter of LogisticRegression"):
        MultiTaskClassifier(baseline=LogisticRegression(C=-1), **QUICK).fit(X, Y)


# -- 5. interrupts ------------------------------------------------------------------


class InterruptAt(Callback):
    """Sends this process SIGINT (what Ctrl-C and a notebook's stop button do) at one batch."""

    def __init__(self, batch=3):
        self.batch = batch

    def initialize(self):
        self.seen_ = 0
        return self

    def on_batch_end(self, net, **kwargs):
        self.seen_ += 1
        if self.seen_ == self.batch:
            os.kill(os.getpid(), signal.SIGINT)


def test_an_interrupt_ends_the_whole_fit_and_leaves_the_model_as_it_was(monkeypatch, interruptible):
    clf = MultiTaskClassifier(**QUICK).fit(X, Y)
    before = _state(clf)
    fits = []
    fit = MultiTaskNet.fit
    monkeypatch.setattr(MultiTaskNet, "fit", lambda net, *a, **k: fits.append(1) or fit(net, *a, **k))
    clf.set_params(lambdas="auto", callbacks=[InterruptAt()], max_epochs=5)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, Y)
    assert fits == [1]  # the fit that chooses λ: no refit after the interrupt
    clf.set_params(lambdas=1.0, callbacks=None)
    np.testing.assert_array_equal(_state(clf), before)


def test_an_ignored_sigint_is_no_interrupt():
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # as in a background job
    try:
        clf = MultiTaskClassifier(**QUICK, callbacks=[InterruptAt()]).fit(X, Y)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert len(clf.history_) == QUICK["max_epochs"]


def test_a_callback_that_stops_training_is_not_an_interrupt():
    # skorch's idiom: a callback raises KeyboardInterrupt to stop training (as EarlyStopping does)
    class StopAfterOneEpoch(Callback):
        def on_epoch_end(self, net, **kwargs):
            raise KeyboardInterrupt

    clf = MultiTaskClassifier(**{**QUICK, "max_epochs": 10}, callbacks=[StopAfterOneEpoch()]).fit(X, Y)
    assert len(clf.history_) == 1


# -- 6, 7. tasks by name, labels of the wrong kind ----------------------------------


def test_score_matches_tasks_by_name():
    clf = MultiTaskClassifier(**QUICK).fit(X, Y)
    shuffled = Y[["b", "a"]]
    assert clf.score_tasks(X, shuffled) == clf.score_tasks(X, Y)
    with pytest.raises(ValueError, match=r"missing \['b'\], unexpected \['c'\]"):
        clf.score(X, Y.rename(columns={"b": "c"}))


@pytest.mark.parametrize("columns", [["a", "a"], [0, "0"]])
def test_duplicate_task_names_are_rejected(columns):
    Y_dup = Y.copy()
    Y_dup.columns = columns
    with pytest.raises(ValueError, match="several columns named"):
        MultiTaskClassifier(**QUICK).fit(X, Y_dup)


def test_lambdas_by_task_name():
    by_name = MultiTaskClassifier(lambdas=pd.Series({"b": 0.0, "a": 1.0}), **QUICK).fit(X, Y)
    assert by_name.lambdas_.tolist() == [1.0, 0.0]
    assert MultiTaskClassifier(lambdas={"a": 0.25, "b": 1}, **QUICK).fit(X, Y).lambdas_.tolist() == [
        0.25,
        1.0,
    ]
    with pytest.raises(ValueError, match=r"lambdas names tasks that do not match Y's: missing \['b'\]"):
        MultiTaskClassifier(lambdas={"a": 1.0}, **QUICK).fit(X, Y)


def test_nan_that_numpy_wrote_as_a_string_is_not_a_class():
    labels = np.c_[np.where(X[:, 0] > 0, "yes", "no"), np.where(X[:, 1] > 0, 1.0, np.nan)]
    assert labels.dtype.kind == "U" and "nan" in labels[:, 1]
    with pytest.raises(ValueError, match=r"Task 'task_1' has \d+ labels \['nan'\]: numpy writes NaN"):
        MultiTaskClassifier(**QUICK).fit(X, labels)


def test_labels_of_another_kind_at_score_and_partial_fit():
    clf = MultiTaskClassifier(**QUICK).fit(X, Y.assign(a=Y["a"].astype(int)))
    as_strings = Y.assign(a=Y["a"].astype(int).astype(str))
    with pytest.raises(
        ValueError, match=r"Task 'a' was fitted on labels such as \[0, 1\] but Y holds \['0', '1'\]"
    ):
        clf.score(X, as_strings)
    with pytest.raises(ValueError, match="Task 'a' was fitted on labels such as"):
        clf.partial_fit(X, as_strings)


def test_sample_weight_of_the_wrong_length_at_score():
    clf = MultiTaskClassifier(**QUICK).fit(X, Y)
    with pytest.raises(ValueError, match=r"sample_weight.shape == \(119,\), expected \(120,\)"):
        clf.score(X, Y, sample_weight=np.ones(119))


# -- 8. arrays with negative strides --------------------------------------------------


@pytest.mark.parametrize("view", [lambda a: a[::-1], lambda a: np.flip(a, 1)])
def test_arrays_with_negative_strides(view):
    clf = MultiTaskClassifier(**QUICK).fit(view(X), Y)
    expected = np.hstack(clf.predict_proba(np.ascontiguousarray(view(X))))
    np.testing.assert_array_equal(np.hstack(clf.predict_proba(view(X))), expected)


# -- 9. cross-validation folds that never saw a class; C that drops everything ----------


def test_folds_of_data_sorted_by_class_score_no_nan():
    Y_rare = Y.copy()
    Y_rare.loc[:5, "b"] = "rare"
    order = np.argsort(Y_rare["b"].to_numpy(), kind="stable")  # the 6 "rare" rows fall in one fold
    search = GridSearchCV(MultiTaskClassifier(**QUICK), {"lr": [1e-3]}, cv=KFold(5))
    search.fit(X[order], Y_rare.iloc[order])
    scores = [search.cv_results_[f"split{k}_test_score"][0] for k in range(5)]
    assert np.isfinite(scores).all()  # the fold whose model never saw "rare" counts those rows wrong


def test_a_C_that_drops_every_task_warns():
    with pytest.warns(UserWarning, match="C=1e-09 dropped every task from the shared network"):
        MultiTaskClassifier(C=1e-9, **QUICK).fit(X, Y)


# -- 10. validation of further training, odd baselines, shapes ------------------------


def test_partial_fit_validates_parameters():
    clf = MultiTaskClassifier(**QUICK).fit(X, Y)
    before = _state(clf)
    clf.set_params(lr=-5)
    with pytest.raises(
        ValueError, match="'lr' parameter of MultiTaskClassifier must be a float in the range"
    ):
        clf.partial_fit(X, Y)
    np.testing.assert_array_equal(_state(clf), before)


def test_warm_start_applies_changed_training_parameters_or_says_which_it_cannot():
    clf = MultiTaskClassifier(warm_start=True, **QUICK).fit(X, Y)
    clf.set_params(lr=0.01, optimizer__weight_decay=1e-4, batch_size=40).fit(X, Y)
    group = clf.net_.optimizer_.param_groups[0]
    assert group["lr"] == 0.01 and group["weight_decay"] == 1e-4
    assert [b["train_batch_size"] for b in clf.history_[-1, "batches"]] == [40, 40, 40]
    before = _state(clf)
    with pytest.raises(ValueError, match=r"cannot apply the changed \['module__hidden_sizes'\]"):
        clf.set_params(module__hidden_sizes=(16, 16)).fit(X, Y)
    np.testing.assert_array_equal(_state(clf), before)


def test_a_missing_label_that_is_a_class_is_explained():
    Y_signed = pd.DataFrame({"s": np.where(X[:, 0] > 0, 1, -1)})
    with pytest.raises(ValueError, match=r"only one class \(1\).*missing_label marked \d+ of its entries"):
        MultiTaskClassifier(missing_label=-1, **QUICK).fit(X, Y_signed)


def test_channels_last_images_are_named():
    images = rng.uniform(size=(40, 3, 8, 8)).astype(np.float32)
    clf = MultiTaskClassifier(**QUICK).fit(images, Y[:40])
    with pytest.raises(
        ValueError, match=r"images of shape \(8, 8, 3\).*channels-last.*transpose\(0, 3, 1, 2\)"
    ):
        clf.predict(images.transpose(0, 2, 3, 1))


class ReversedClasses(ClassifierMixin, BaseEstimator):
    """A baseline whose probability columns follow its own (reversed) class order."""

    def fit(self, X, y):
        self.model_ = LogisticRegression().fit(X, y)
        self.classes_ = self.model_.classes_[::-1]
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(X)[:, ::-1]


def test_a_baseline_with_its_own_class_order_is_aligned():
    reversed_clf = MultiTaskClassifier(lambdas=0.0, baseline=ReversedClasses(), **QUICK).fit(X, Y)
    plain = MultiTaskClassifier(lambdas=0.0, baseline=LogisticRegression(), **QUICK).fit(X, Y)
    for a, b in zip(reversed_clf.predict_proba(X), plain.predict_proba(X)):
        np.testing.assert_allclose(a, b)


def test_pickled_model_after_faults_still_predicts():
    clf = MultiTaskClassifier(**QUICK).fit(X, Y)
    with pytest.raises(ValueError):
        clf.fit(X, Y.assign(b="only"))
    np.testing.assert_array_equal(_state(pickle.loads(pickle.dumps(clf))), _state(clf))


def test_grid_search_over_auto_lambdas_and_a_diverging_lr_completes():
    # the must-show: KFold(5) folds on data with a rare class in one task, λ auto or fixed,
    # and a learning rate that diverges: every candidate fits, the diverging one scores as such
    Y_rare = Y.copy()
    Y_rare.loc[:3, "b"] = "rare"
    grid = {"lambdas": ["auto", 1.0], "lr": [1e-3, 1e6]}
    search = GridSearchCV(
        MultiTaskClassifier(max_epochs=3, random_state=0), grid, cv=KFold(5, shuffle=True, random_state=0)
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(X, Y_rare)
    results = pd.DataFrame(search.cv_results_)
    diverging = results["param_lr"] == 1e6
    assert results.loc[~diverging, "mean_test_score"].notna().all()
    assert any(
        issubclass(w.category, ConvergenceWarning) and "diverged" in str(w.message) for w in caught
    ) or (results.loc[diverging, "mean_test_score"].isna().all())
    # with lambdas="auto" the diverged network is blended away (λ = 0): the baseline serves
    auto_diverging = results[diverging & (results["param_lambdas"] == "auto")]
    assert (auto_diverging["mean_test_score"] > 0.8).all()
