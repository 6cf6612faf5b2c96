import numpy as np
import pandas as pd
import pytest

from mtl_sklearn._targets import MISSING, encode_targets, encode_with_classes, task_columns


def test_each_column_keeps_its_own_classes_sorted_as_numpy():
    Y = pd.DataFrame(
        {
            "size": ["mid", "low", None, "high", "low"],
            "flag": pd.array([True, False, pd.NA, True, False], dtype="boolean"),
            "count": pd.array([3, pd.NA, 1, 1, 3], dtype="Int64"),
            "kind": pd.Categorical(["b", "a", "b", None, "a"]),
        }
    )
    names, classes, codes, one_dimensional, named = encode_targets(Y)
    assert names == ["size", "flag", "count", "kind"]
    assert not one_dimensional and named
    assert classes[0].tolist() == ["high", "low", "mid"]
    assert classes[1].tolist() == [False, True]
    assert classes[2].tolist() == [1, 3]
    assert classes[3].tolist() == ["a", "b"]
    np.testing.assert_array_equal(
        codes, [[2, 1, 1, 1], [1, 0, MISSING, 0], [MISSING, MISSING, 0, 1], [0, 1, 0, MISSING], [1, 0, 1, 0]]
    )


def test_missing_label_sentinel_and_nan_are_both_missing():
    Y = np.array([[0, 1], [-1, 0], [1, np.nan], [1, 1]])
    _, classes, codes, _, named = encode_targets(Y, missing_label=-1)
    assert not named
    assert [c.tolist() for c in classes] == [[0.0, 1.0], [0.0, 1.0]]
    np.testing.assert_array_equal(codes, [[0, 1], [MISSING, 0], [1, MISSING], [1, 1]])


def test_list_of_rows_keeps_column_types():
    Y = [["cat", 1], ["dog", 0], ["cat", None]]
    _, classes, codes, _, _ = encode_targets(Y)
    assert classes[0].tolist() == ["cat", "dog"]
    assert classes[1].tolist() == [0, 1]
    assert codes[2, 1] == MISSING


def test_one_dimensional_y_is_one_task():
    names, _, codes, one_dimensional, named = encode_targets(pd.Series(["a", "b", "a"], name="label"))
    assert one_dimensional and named and names == ["label"] and codes.shape == (3, 1)


def test_encode_with_classes_rejects_unseen_labels_by_task_name():
    classes = [np.array(["a", "b"]), np.array([0, 1])]
    names = ["letters", "bits"]
    codes = encode_with_classes(task_columns([["b", 1], [None, 0]], names, False), classes, names)
    np.testing.assert_array_equal(codes, [[1, 1], [MISSING, 0]])
    with pytest.raises(ValueError, match=r"Task 'letters' has labels never seen during fit: \['c'\]"):
        encode_with_classes(task_columns([["c", 1]], names, False), classes, names)
