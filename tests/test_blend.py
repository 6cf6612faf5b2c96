"""λ and the per-task baselines."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from mtl_sklearn import MultiTaskClassifier
from mtl_sklearn._blend import LAMBDA_GRID


def _network_probas(clf, X):
    logits = clf.net_.forward(X).double()
    return [torch.softmax(block, dim=1).numpy() for block in clf.net_.layout.split(logits)]


def test_lambdas_blend_network_and_baseline_per_task(shared_factor_data):
    X, Y = shared_factor_data
    clf = MultiTaskClassifier(lambdas=[0.0, 1.0, 0.25, 1.0], C=100.0, max_epochs=3, random_state=0).fit(X, Y)
    probas = clf.predict_proba(X)
    base = [b.predict_proba(X) for b in clf.baselines_]
    net = _network_probas(clf, X)
    np.testing.assert_array_equal(probas[0], base[0])
    np.testing.assert_array_equal(probas[1], net[1])
    np.testing.assert_allclose(probas[2], 0.25 * net[2] + 0.75 * base[2])
    assert clf.lambdas_.tolist() == [0.0, 1.0, 0.25, 1.0]


def test_lambda_zero_is_exactly_the_baseline(shared_factor_data):
    X, Y = shared_factor_data
    tree = DecisionTreeClassifier(max_depth=3)
    clf = MultiTaskClassifier(lambdas=0.0, baseline=tree, max_epochs=2, random_state=0).fit(X, Y)
    for t, proba in enumerate(clf.predict_proba(X)):
        rows = ~np.isnan(Y[:, t])
        expected = DecisionTreeClassifier(max_depth=3, random_state=clf.baselines_[t].random_state)
        np.testing.assert_array_equal(proba, expected.fit(X[rows], Y[rows, t]).predict_proba(X))


def test_lambda_zero_task_does_not_shape_the_network(shared_factor_data):
    X, Y = shared_factor_data
    params = dict(C=100.0, max_epochs=3, random_state=0)
    ignored = MultiTaskClassifier(lambdas=[1.0, 1.0, 1.0, 0.0], **params).fit(X, Y)
    relabelled = Y.copy()
    relabelled[:, 3] = 1 - relabelled[:, 3]
    flipped = MultiTaskClassifier(lambdas=[1.0, 1.0, 1.0, 0.0], **params).fit(X, relabelled)
    for t in range(3):
        np.testing.assert_allclose(_network_probas(ignored, X)[t], _network_probas(flipped, X)[t], rtol=1e-6)


def test_baselines_are_fitted_per_task_on_labelled_rows(shared_factor_data):
    X, Y = shared_factor_data
    clf = MultiTaskClassifier(baseline=LogisticRegression(C=0.1), max_epochs=1, random_state=0).fit(X, Y)
    for t, fitted in enumerate(clf.baselines_):
        rows = ~np.isnan(Y[:, t])
        expected = LogisticRegression(C=0.1).fit(X[rows], Y[rows, t])
        np.testing.assert_allclose(fitted.coef_, expected.coef_)
        assert fitted.classes_.tolist() == clf.classes_[t].tolist()


def test_baseline_drop_fits_no_baseline(shared_factor_data):
    X, Y = shared_factor_data
    clf = MultiTaskClassifier(baseline="drop", max_epochs=1, random_state=0).fit(X, Y)
    assert clf.baselines_ is None
    np.testing.assert_array_equal(clf.predict_proba(X)[0], _network_probas(clf, X)[0])


def test_auto_lambdas_are_never_worse_than_the_baseline_on_held_out_rows(shared_factor_data):
    X, Y = shared_factor_data
    Y = Y.copy()
    Y[:, 3] = np.where(np.isnan(Y[:, 3]), np.nan, np.random.RandomState(0).uniform(size=len(Y)) < 0.5)
    clf = MultiTaskClassifier(
        lambdas="auto",
        baseline=None,
        early_stopping=False,
        max_epochs=20,
        module__dropout=0.0,
        random_state=0,
    ).fit(X, Y)
    scores = clf.validation_scores_
    assert list(scores.index) == clf.task_names_
    assert (scores["blend_log_loss"] <= scores["baseline_log_loss"] + 1e-12).all()
    assert (scores["blend_log_loss"] <= scores["network_log_loss"] + 1e-12).all()
    assert scores["n_valid"].sum() == pytest.approx(0.2 * (~np.isnan(Y)).sum(), rel=0.1)
    assert set(clf.lambdas_) <= set(LAMBDA_GRID)
    assert clf.lambdas_[:3].min() > 0  # the shared factor helps the related tasks
    assert clf.lambdas_[3] < 0.5  # a task of pure noise leans on its baseline
    assert clf.set_params(lambdas=1.0).fit(X, Y).validation_scores_ is None  # no stale figures


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(lambdas="auto", validation_fraction=1e-4), "validation_fraction=0.0001 leaves 0 of 800"),
        (dict(lambdas="best"), "'lambdas' parameter"),
    ],
)
def test_bad_auto_settings(shared_factor_data, params, message):
    X, Y = shared_factor_data
    with pytest.raises(ValueError, match=message):
        MultiTaskClassifier(max_epochs=1, **params).fit(X, Y)


def test_auto_lambdas_without_baselines_use_the_network_alone(shared_factor_data):
    X, Y = shared_factor_data
    clf = MultiTaskClassifier(lambdas="auto", baseline="drop", max_epochs=2, random_state=0).fit(X, Y)
    assert clf.lambdas_.tolist() == [1.0] * 4 and clf.validation_scores_ is None
    assert clf.baselines_ is None
