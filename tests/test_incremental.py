"""partial_fit as scikit-learn means it: one pass per call over chunks of rows."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression, SGDClassifier

from mtl_sklearn import MultiTaskClassifier

rng = np.random.RandomState(0)
X = rng.normal(size=(3000, 6)).astype(np.float32)
Y = np.c_[X[:, 0] > 0, np.digitize(X[:, 1], [-0.5, 0.5])].astype(float)  # a binary and a 3-class task
Y[rng.uniform(size=Y.shape) < 0.2] = np.nan
CLASSES = [[0.0, 1.0], [0.0, 1.0, 2.0]]


def _chunks(size):
    return [(X[i : i + size], Y[i : i + size]) for i in range(0, len(X), size)]


def test_the_first_call_takes_the_classes_given_and_each_call_is_one_pass():
    first_X, first_Y = X[:200], Y[:200].copy()
    first_Y[first_Y[:, 1] == 2, 1] = np.nan  # the first chunk lacks class 2 of task 1
    clf = MultiTaskClassifier(random_state=0).partial_fit(first_X, first_Y, classes=CLASSES)
    assert [c.tolist() for c in clf.classes_] == CLASSES and len(clf.history_) == 1
    assert clf.baselines_ is None and clf.lambdas_.tolist() == [1.0, 1.0]  # no held-out rows: the network
    for chunk_X, chunk_Y in _chunks(500):
        clf.partial_fit(chunk_X, chunk_Y)
    assert len(clf.history_) == 1 + 6 and clf.history_[-1, "train_batch_count"] == 4
    assert clf.predict_proba(X[:5])[1].shape == (5, 3)
    assert clf.score(X, Y) > 0.7  # one pass: far above the majority classes (0.5 and 0.38)
    with pytest.raises(ValueError, match=r"Task 'task_1' has labels \[5.0\] that are not among its classes"):
        MultiTaskClassifier().partial_fit(X[:50], np.c_[Y[:50, 0], np.full(50, 5.0)], classes=CLASSES)


def test_alpha_s_penalty_does_not_depend_on_the_chunks_sizes():
    penalties = {}
    for size in (500, 3000):
        clf = MultiTaskClassifier(C=0.5, random_state=0)
        for chunk_X, chunk_Y in _chunks(size):
            clf.partial_fit(chunk_X, chunk_Y, classes=CLASSES)
        penalties[size] = clf.net_.multitask_module.allocation.penalty
    fitted = MultiTaskClassifier(C=0.5, lambdas=1.0, early_stopping=False, max_epochs=1).fit(X, Y)
    # one pass over the same 3,000 rows: C's penalty per row is 1 / (C · 3,000) whatever the chunks
    assert (
        penalties[500]
        == penalties[3000]
        == fitted.net_.multitask_module.allocation.penalty
        == 1 / (0.5 * 3000)
    )


def test_baselines_that_learn_incrementally_follow_the_chunks():
    sgd = SGDClassifier(loss="log_loss", random_state=0)
    clf = MultiTaskClassifier(lambdas=0.5, baseline=sgd, random_state=0)
    for chunk_X, chunk_Y in _chunks(1000):
        clf.partial_fit(chunk_X, chunk_Y, classes=CLASSES)
    assert all(isinstance(b, SGDClassifier) for b in clf.baselines_)
    # three passes of partial_fit, one per chunk, each on the task's labelled rows
    labelled = [(~np.isnan(Y[:, t])).sum() for t in range(2)]
    assert [b.t_ - 1 for b in clf.baselines_] == labelled
    np.testing.assert_array_equal(clf.baselines_[1].classes_, CLASSES[1])


def test_blending_in_partial_fit_needs_a_baseline_that_learns_incrementally():
    with pytest.raises(ValueError, match="lambdas below 1 need a baseline with partial_fit"):
        MultiTaskClassifier(lambdas=0.5, baseline=LogisticRegression()).partial_fit(
            X[:100], Y[:100], classes=CLASSES
        )


def test_the_same_random_state_repeats_a_run_of_calls_exactly():
    def run(random_state, first_torch_seed):
        torch.manual_seed(first_torch_seed)  # what ran before must not matter
        clf = MultiTaskClassifier(random_state=random_state)
        for chunk_X, chunk_Y in _chunks(1000):
            clf.partial_fit(chunk_X, chunk_Y, classes=CLASSES)
        return clf.predict_proba(X[:50])[1]

    np.testing.assert_array_equal(run(0, 1), run(0, 2))
    assert not np.array_equal(run(0, 1), run(1, 1))
