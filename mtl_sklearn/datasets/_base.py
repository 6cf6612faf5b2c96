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
