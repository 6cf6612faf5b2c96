import numpy as np

from mtl_sklearn.datasets import load_penguins


def test_penguins_bunch():
    data = load_penguins()
    assert data.data.shape == (342, 4)
    assert data.target.shape == (342, 3)
    assert data.target_names == ["species", "island", "sex"]
    assert (data.target == None).sum(axis=0).tolist() == [0, 0, 9]  # noqa: E711
    assert "2 penguins without any measurement are left out" in data.DESCR
    assert data.frame is None and "CC0" in data.license


def test_penguins_as_frame():
    X, Y = load_penguins(return_X_y=True, as_frame=True)
    assert list(X.columns) == ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
    assert not X.isna().any().any()
    assert Y.isna().sum().tolist() == [0, 0, 9]
    assert sorted(Y["species"].unique()) == ["Adelie", "Chinstrap", "Gentoo"]
    assert np.isclose(X["body_mass_g"].mean(), 4201.754, atol=1e-3)
