"""Loaders in scikit-learn's style, reading files bundled with the package."""

from importlib import resources

import pandas as pd
from sklearn.utils import Bunch

_DATA = resources.files("mtl_sklearn.datasets") / "data"

_PENGUINS_DESCR = """\
Palmer penguins
---------------

344 penguins observed at Palmer Station, Antarctica (2007-2009). Features:
bill length (mm), bill depth (mm), flipper length (mm) and body mass (g).
Tasks: species (Adelie, Chinstrap, Gentoo), island (Biscoe, Dream,
Torgersen) and sex (female, male).

The 2 penguins without any measurement are left out, so the data has 342
rows. sex is missing for 9 of them (real missing labels, left as missing).

Data by Gorman, Williams & Fraser (2014), CC0; copy from the palmerpenguins
package (MIT). Cite Horst, Hill & Gorman (2020), palmerpenguins R package.
"""


_TOX21_DESCR = """\
Tox21
-----

12 toxicity assays (nuclear-receptor NR-* and stress-response SR-* panels)
measured on small molecules, given as SMILES strings. The copy distributed
with DeepChem / MoleculeNet (tox21.csv.gz, 8,014 rows, unchanged).

Duplicate SMILES: 183 SMILES occur twice. With ``merge_duplicates=True`` (the
default) their rows are merged as MoleculeNet does, giving 7,831 molecules:
each assay's label is the maximum of the rows' labels (a molecule active in
either measurement is active; 64 assay labels differ between duplicates),
missing only where both rows are missing; ``mol_id`` is the first row's. With
``merge_duplicates=False`` all 8,014 rows are returned as they are.

17.3 % of the labels of the 8,014 rows are missing (7.2 % to 26.1 % per
assay), 17.1 % of the merged 7,831 molecules' (16,025 of 93,972); positives are
2.9 % to 16.2 % per assay, so report ROC-AUC per assay rather than accuracy.
8 SMILES do not parse with RDKit; they are kept here (featurisers decide).

Source: the Tox21 Data Challenge 2014 (NIH NCATS, EPA, FDA; US-government
public data), in the DeepChem copy (MIT licence). Cite Wu et al.,
"MoleculeNet: a benchmark for molecular machine learning", Chem. Sci. 2018,
and the Tox21 challenge.
"""

TOX21_TASKS = [
    "NR-AR", "NR-AR-LBD", "NR-AhR", "NR-Aromatase", "NR-ER", "NR-ER-LBD",
    "NR-PPAR-gamma", "SR-ARE", "SR-ATAD5", "SR-HSE", "SR-MMP", "SR-p53",
]  # fmt: skip


def load_tox21(*, return_X_y=False, as_frame=False, merge_duplicates=True):
    """Load Tox21: 12 binary toxicity assays on molecules given as SMILES.

    ================   ==========================================
    Rows               7,831 molecules (8,014 rows before merging duplicates)
    Features           one SMILES string per molecule
    Tasks              12 binary assays
    Missing labels     17.1 % after merging (17.3 % before)
    ================   ==========================================

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        Return ``data`` as a DataFrame (``smiles``, ``mol_id``) and ``target``
        as a DataFrame of the assays; otherwise an object array of SMILES and
        a float array with NaN for missing labels.
    merge_duplicates : bool, default=True
        Merge the rows of the 183 duplicated SMILES as MoleculeNet does (see
        ``DESCR``).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data``, ``target``, ``frame`` (or None), ``feature_names``,
        ``target_names`` (the assays), ``DESCR`` and ``license``.
    (data, target) : tuple if ``return_X_y`` is True

    Examples
    --------
    >>> from mtl_sklearn.datasets import load_tox21
    >>> smiles, Y = load_tox21(return_X_y=True)
    >>> smiles.shape, Y.shape
    ((7831,), (7831, 12))
    """
    with resources.as_file(_DATA / "tox21.csv.gz") as path:
        frame = pd.read_csv(path)
    if merge_duplicates:
        merged = frame.groupby("smiles", sort=False)
        frame = merged[TOX21_TASKS].max().join(merged["mol_id"].first()).reset_index()
    frame = frame[["smiles", "mol_id", *TOX21_TASKS]]
    data, target = frame[["smiles", "mol_id"]], frame[TOX21_TASKS]
    if not as_frame:
        data, target = data["smiles"].to_numpy(dtype=object), target.to_numpy()
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        frame=frame if as_frame else None,
        feature_names=["smiles"],
        target_names=list(TOX21_TASKS),
        DESCR=_TOX21_DESCR,
        license="US-government public data (Tox21); MIT (DeepChem / MoleculeNet copy)",
    )


def load_penguins(*, return_X_y=False, as_frame=False):
    """Load the Palmer penguins as a three-task classification data set.

    ================   ==========================================
    Rows               342 (2 penguins without measurements left out)
    Features           4 measurements, real, positive
    Tasks              species (3 classes), island (3), sex (2)
    Missing labels     sex: 9
    ================   ==========================================

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        Return ``data`` and ``target`` as pandas DataFrames; otherwise a float
        array and an object array with None for missing labels.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data``, ``target``, ``frame`` (both together, or None),
        ``feature_names``, ``target_names`` (the task names), ``DESCR`` and
        ``license``.
    (data, target) : tuple if ``return_X_y`` is True

    Examples
    --------
    >>> from mtl_sklearn.datasets import load_penguins
    >>> X, Y = load_penguins(return_X_y=True, as_frame=True)
    >>> X.shape, list(Y.columns)
    ((342, 4), ['species', 'island', 'sex'])
    """
    with resources.as_file(_DATA / "penguins.csv") as path:
        frame = pd.read_csv(path)
    feature_names = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
    target_names = ["species", "island", "sex"]
    frame = frame.dropna(subset=feature_names, how="all").reset_index(drop=True)
    frame = frame[feature_names + target_names]
    data, target = frame[feature_names], frame[target_names]
    if not as_frame:
        data = data.to_numpy()
        target = target.astype(object).where(target.notna(), None).to_numpy()
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        frame=frame if as_frame else None,
        feature_names=feature_names,
        target_names=target_names,
        DESCR=_PENGUINS_DESCR,
        license="CC0 (data), MIT (palmerpenguins copy)",
    )
