"""Bad input gets a ValueError that names the problem and the fix."""

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from skorch.dataset import ValidSplit

from mtl_sklearn import MultiTaskClassifier

rng = np.random.RandomState(0)
X = rng.normal(size=(30, 4))
Y = np.c_[X[:, 0] > 0, X[:, 1] > 0].astype(int)


@pytest.fixture(scope="module")
def fitted():
    return MultiTaskClassifier(max_epochs=1, random_state=0).fit(X, Y)


def _fit(X=X, Y=Y, **params):
    return MultiTaskClassifier(max_epochs=1, **params).fit(X, Y)


def test_row_count_mismatch():
    with pytest.raises(ValueError, match="X has 30 rows but Y has 29"):
        _fit(Y=Y[:29])


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf_in_X(bad):
    X_bad = X.copy()
    X_bad[3, 1] = bad
    with pytest.raises(ValueError, match=r"Input X contains (NaN|infinity)"):
        _fit(X=X_bad)


def test_wrong_number_of_features_at_predict(fitted):
    with pytest.raises(ValueError, match="X has 3 features, but MultiTaskClassifier is expecting 4"):
        fitted.predict(X[:, :3])


def test_wrong_image_shape_at_predict():
    images = rng.uniform(size=(20, 1, 6, 6)).astype(np.float32)
    clf = _fit(X=images, Y=Y[:20])
    with pytest.raises(
        ValueError,
        match=r"images of shape \(1, 6, 8\) but the model was fitted on images of shape \(1, 6, 6\)",
    ):
        clf.predict(np.zeros((2, 1, 6, 8), dtype=np.float32))


def test_wrong_number_of_tasks_at_score(fitted):
    with pytest.raises(ValueError, match="Y has 3 columns but the model was fitted on 2 tasks"):
        fitted.score(X, np.c_[Y, Y[:, 0]])


def test_task_without_labels_is_named():
    Y_bad = pd.DataFrame({"kept": Y[:, 0], "empty": [None] * 30})
    with pytest.raises(ValueError, match="Task 'empty' has no labels"):
        _fit(Y=Y_bad)


def test_task_with_one_class_is_named():
    Y_bad = pd.DataFrame({"kept": Y[:, 0], "constant": 1})
    with pytest.raises(ValueError, match="Task 'constant' has only one class"):
        _fit(Y=Y_bad)


def test_continuous_task_is_named():
    Y_bad = pd.DataFrame({"kept": Y[:, 0], "price": X[:, 2]})
    with pytest.raises(ValueError, match="Task 'price' has continuous labels"):
        _fit(Y=Y_bad)


def test_task_mixing_label_types_is_named():
    Y_bad = pd.DataFrame({"kept": Y[:, 0], "mixed": ["a", 1] * 15})
    with pytest.raises(ValueError, match="Task 'mixed' mixes label types"):
        _fit(Y=Y_bad)


@pytest.mark.parametrize("missing_label", [[-1], {"missing": -1}])
def test_unknown_missing_label(missing_label):
    with pytest.raises(ValueError, match="missing_label"):
        _fit(missing_label=missing_label)


def test_string_columns_in_X_dataframe():
    frame = pd.DataFrame(X, columns=list("abcd")).assign(island=["Biscoe"] * 30)
    with pytest.raises(ValueError, match=r"X has non-numeric columns \['island'\].*OneHotEncoder"):
        _fit(X=frame)


def test_strings_in_X_array():
    X_bad = X.astype(object)
    X_bad[0, 0] = "Biscoe"
    with pytest.raises(ValueError, match=r"X holds values that are not numbers.*OneHotEncoder"):
        _fit(X=X_bad)


def test_three_dimensional_X():
    with pytest.raises(ValueError, match="X has 3 dimensions"):
        _fit(X=np.zeros((30, 2, 2)))


def test_predict_before_fit():
    with pytest.raises(NotFittedError):
        MultiTaskClassifier().predict(X)


@pytest.mark.parametrize(
    "lambdas, message",
    [
        ([0.5], "lambdas has 1 values but Y has 2 tasks"),
        ([0.5, 1.5], r"lambdas must lie in \[0, 1\]"),
        (-0.1, "lambdas"),
    ],
)
def test_bad_lambdas(lambdas, message):
    with pytest.raises(ValueError, match=message):
        _fit(lambdas=lambdas)


@pytest.mark.parametrize("C", [0, -1.0])
def test_C_must_be_positive(C):
    with pytest.raises(ValueError, match="'C' parameter"):
        _fit(C=C)


def test_lambdas_below_one_need_a_baseline():
    with pytest.raises(ValueError, match="baseline='drop' fits none"):
        _fit(lambdas=0.5, baseline="drop")


def test_unknown_extra_parameter():
    with pytest.raises(ValueError, match=r"Unknown parameter\(s\) \['modul__width'\]"):
        _fit(modul__width=3)


def test_unseen_label_at_score_counts_as_wrong(fitted):
    # scikit-learn's convention: a label the model cannot predict is a wrong prediction, not an error
    Y_new = fitted.predict(X[:4]).copy()
    Y_new[0, 0] = 2  # never seen during fit
    scores = fitted.score_tasks(X[:4], Y_new)
    assert scores == {"task_0": 0.75, "task_1": 1.0}
    assert fitted.score(X[:4], Y_new) == pytest.approx(0.875)


def test_missing_cuda_is_explained(monkeypatch):
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    with pytest.raises(ValueError, match="torch sees no CUDA GPU"):
        _fit(device="cuda")


def test_early_stopping_with_a_train_split():
    X, Y = np.zeros((20, 2)), np.tile([0, 1], 10)
    with pytest.raises(ValueError, match="early_stopping=True holds out validation_fraction"):
        MultiTaskClassifier(early_stopping=True, train_split=ValidSplit(0.2)).fit(X, Y)


def test_early_stopping_needs_held_out_rows():
    X, Y = np.zeros((20, 2)), np.tile([0, 1], 10)
    with pytest.raises(ValueError, match="leaves 0 of 20 rows to stop training on"):
        MultiTaskClassifier(early_stopping=True, lambdas=1.0, validation_fraction=0.01).fit(X, Y)
    with pytest.raises(ValueError, match="leaves 0 of 20 rows to choose lambdas on"):
        MultiTaskClassifier(validation_fraction=0.01).fit(X, Y)
