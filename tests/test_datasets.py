import numpy as np
import pandas as pd
import pytest

from mtl_sklearn.datasets import load_penguins, load_tox21


def test_penguins_bunch():
    data = load_penguins()
    assert data.data.shape == (342, 4)
    assert data.target.shape == (342, 3)
    assert data.target_names == ["species", "island", "sex"]
    assert pd.isna(data.target).sum(axis=0).tolist() == [0, 0, 9]
    assert "2 penguins without any measurement are left out" in data.DESCR
    assert data.frame is None and "CC0" in data.license


def test_penguins_as_frame():
    X, Y = load_penguins(return_X_y=True, as_frame=True)
    assert list(X.columns) == ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
    assert not X.isna().any().any()
    assert Y.isna().sum().tolist() == [0, 0, 9]
    assert sorted(Y["species"].unique()) == ["Adelie", "Chinstrap", "Gentoo"]
    assert np.isclose(X["body_mass_g"].mean(), 4201.754, atol=1e-3)


def test_tox21_merged_as_moleculenet():
    data = load_tox21()
    assert data.data.shape == (7831,) and data.target.shape == (7831, 12)
    assert data.target_names[:3] == ["NR-AR", "NR-AR-LBD", "NR-AhR"] and data.target_names[-1] == "SR-p53"
    assert len(set(data.data)) == 7831
    assert np.isnan(data.target).sum() == 16025  # 17.1 %, as DESCR says
    assert "17.1 % of the merged 7,831 molecules' (16,025 of 93,972)" in data.DESCR
    assert "merged as MoleculeNet does" in data.DESCR


def test_tox21_unmerged_rows_and_missing_share():
    X, Y = load_tox21(return_X_y=True, as_frame=True, merge_duplicates=False)
    assert X.shape == (8014, 2) and list(X.columns) == ["smiles", "mol_id"]
    assert Y.isna().to_numpy().mean() == pytest.approx(0.173, abs=5e-4)
    labels = Y.to_numpy()
    assert set(np.unique(labels[~np.isnan(labels)])) == {0.0, 1.0}


def test_loaders_need_no_network(monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise OSError("no network in this test")

    monkeypatch.setattr(socket, "socket", refuse)
    assert load_tox21().target.shape == (7831, 12)
    assert load_penguins().data.shape == (342, 4)
