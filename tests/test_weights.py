"""sample_weight, class_weight and n_jobs: the knobs scikit-learn users reach for."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression, Perceptron
from sklearn.metrics import log_loss, recall_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mtl_sklearn import MultiTaskClassifier
from mtl_sklearn._layout import TaskLayout
from mtl_sklearn._loss import MultiTaskLoss

rng = np.random.RandomState(0)
X = rng.normal(size=(200, 5)).astype(np.float32)
Y = np.c_[X[:, 0] + 0.5 * rng.normal(size=200) > 0, X[:, 1] - X[:, 2] > 0.3].astype(float)
Y[rng.uniform(size=Y.shape) < 0.2] = np.nan


def test_loss_weighs_rows_classes_and_tasks():
    logits = torch.tensor(rng.normal(size=(6, 5)))
    codes = torch.tensor([[0, 2], [1, -1], [-1, 0], [1, 1], [0, 2], [1, 0]])
    rows = torch.tensor([1.0, 2.0, 0.5, 1.0, 0.0, 3.0], dtype=torch.float64)
    lambdas, by_class = [0.5, 1.0], [[1.0, 4.0], [2.0, 1.0, 0.5]]
    loss = MultiTaskLoss(TaskLayout([2, 3]), lambdas, by_class)(logits, (codes, rows))
    expected = 0.0
    for t, block in enumerate([slice(0, 2), slice(2, 5)]):
        labelled = (codes[:, t] >= 0).numpy()
        y = codes[labelled, t].numpy()
        proba = torch.softmax(logits[labelled, block], 1).numpy()
        weights = rows.numpy()[labelled] * np.asarray(by_class[t])[y]
        expected += lambdas[t] * log_loss(
            y, proba, labels=range(len(by_class[t])), sample_weight=weights, normalize=False
        )
    np.testing.assert_allclose(loss.item(), expected / rows.sum().item(), rtol=1e-6)


def test_a_weight_of_two_is_a_duplicated_row():
    # one full batch without α: the same gradients, so the same network (up to float sums)
    params = dict(
        C=None,
        batch_size=-1,
        max_epochs=20,
        early_stopping=False,
        module__dropout=0.0,
        baseline=make_pipeline(StandardScaler(), LogisticRegression()),
    )
    weights = np.ones(len(X))
    weights[[3, 10, 50]] = 2.0
    twice = np.r_[np.arange(len(X)), [3, 10, 50]]
    weighted = MultiTaskClassifier(**params, lambdas=0.5, random_state=0).fit(X, Y, sample_weight=weights)
    duplicated = MultiTaskClassifier(**params, lambdas=0.5, random_state=0).fit(X[twice], Y[twice])
    for a, b in zip(weighted.predict_proba(X), duplicated.predict_proba(X)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    net_a, net_b = (np.hstack(m.net_.predict_task_probas(X)) for m in (weighted, duplicated))
    np.testing.assert_allclose(net_a, net_b, rtol=1e-4, atol=1e-5)
    assert not np.allclose(
        net_a,
        np.hstack(
            MultiTaskClassifier(**params, lambdas=0.5, random_state=0).fit(X, Y).net_.predict_task_probas(X)
        ),
    )


def test_zero_weights_leave_rows_out():
    params = dict(
        C=None,
        batch_size=-1,
        max_epochs=10,
        early_stopping=False,
        lambdas=1.0,
        module__dropout=0.0,
        random_state=0,
    )
    weights = (np.arange(len(X)) % 4 != 0).astype(float)
    zeroed = MultiTaskClassifier(**params).fit(X, Y, sample_weight=weights)
    dropped = MultiTaskClassifier(**params).fit(X[weights > 0], Y[weights > 0])
    np.testing.assert_allclose(
        np.hstack(zeroed.predict_proba(X)), np.hstack(dropped.predict_proba(X)), atol=1e-5
    )


def test_a_baseline_without_sample_weight_is_fitted_unweighted_with_a_warning():
    class NoWeights(LogisticRegression):
        def fit(self, X, y):
            return super().fit(X, y)

    with pytest.warns(UserWarning, match="does not take sample_weight"):
        MultiTaskClassifier(baseline=NoWeights(), max_epochs=1).fit(X, Y, sample_weight=np.ones(len(X)))
    with pytest.raises(ValueError, match=r"Negative values in data passed to .?sample_weight"):
        MultiTaskClassifier(max_epochs=1).fit(X, Y, sample_weight=-np.ones(len(X)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_balanced_class_weight_raises_the_recall_of_the_rare_class(seed):
    rare = np.random.RandomState(seed)
    X_rare = rare.normal(size=(1000, 5)).astype(np.float32)
    y = (X_rare[:, 0] + 0.7 * rare.normal(size=1000) > 1.6).astype(int)  # about 7 % positives
    assert 0.03 < y.mean() < 0.12
    params = dict(max_epochs=10, baseline="drop", random_state=seed)
    plain = MultiTaskClassifier(**params).fit(X_rare, y)
    balanced = MultiTaskClassifier(**params, class_weight="balanced").fit(X_rare, y)
    assert recall_score(y, balanced.predict(X_rare)) > recall_score(y, plain.predict(X_rare)) + 0.2
    by_name = MultiTaskClassifier(**params, class_weight={"task_0": {0: 1, 1: 13}}).fit(X_rare, y)
    assert recall_score(y, by_name.predict(X_rare)) > recall_score(y, plain.predict(X_rare)) + 0.2


def test_class_weight_errors_name_the_task():
    with pytest.raises(ValueError, match=r"class_weight of task 'task_1' names labels \[7\.0\]"):
        MultiTaskClassifier(class_weight={"task_1": {7.0: 2.0}}, max_epochs=1).fit(X, Y)
    with pytest.raises(ValueError, match="class_weight has 3 entries but Y has 2 tasks"):
        MultiTaskClassifier(class_weight=[None, None, "balanced"], max_epochs=1).fit(X, Y)


def test_baselines_in_parallel_give_the_serial_result():
    params = dict(max_epochs=1, lambdas=0.5, random_state=0)
    serial = MultiTaskClassifier(**params).fit(X, Y)
    parallel = MultiTaskClassifier(**params, n_jobs=2).fit(X, Y)
    for a, b in zip(serial.baselines_, parallel.baselines_):
        np.testing.assert_array_equal(a[-1].coef_, b[-1].coef_)
    for a, b in zip(serial.predict_proba(X), parallel.predict_proba(X)):
        np.testing.assert_array_equal(a, b)


def test_a_baseline_without_predict_proba_is_rejected():
    with pytest.raises(ValueError, match="'baseline' parameter"):
        MultiTaskClassifier(baseline=Perceptron(), max_epochs=1).fit(X, Y)
