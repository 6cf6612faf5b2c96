"""Tox21's molecules as ECFP fingerprints, and settings of the network that suit them.

Needs the ``chem`` extra (RDKit through scikit-fingerprints).
"""

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.utils import Bunch

from ._base import load_tox21

# Settings for 2,048-bit fingerprints of a few thousand molecules: one wide
# layer with dropout, a small learning rate and early stopping (they overfit
# within a few epochs), and the field's usual per-task baseline. The main job
# (``python -m mtl_sklearn``), the Tox21 example and benchmarks/tox21.py use them.
TOX21_PARAMS = dict(
    module__hidden_sizes=(512,),
    module__dropout=0.5,
    lr=1e-4,
    early_stopping=True,
    n_iter_no_change=5,
    lambdas="auto",
    baseline=LogisticRegression(C=0.05, max_iter=2000),
)


def load_tox21_fingerprints(*, radius=2, n_bits=2048):
    """Load Tox21 with each molecule as a sparse ECFP fingerprint.

    SMILES that RDKit cannot parse (8 of 7,831) are left out, with their
    labels. Needs the ``chem`` extra: ``pip install -c constraints.txt
    ".[chem]"`` from the repository.

    Parameters
    ----------
    radius : int, default=2
        ECFP radius (2 is ECFP4).
    n_bits : int, default=2048
        Length of the fingerprint.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (CSR matrix of shape (n_molecules, n_bits), float32),
        ``target`` (DataFrame of the 12 assays, NaN where missing),
        ``n_unparsed`` (SMILES left out), ``target_names``,
        ``DESCR`` and ``license`` (those of :func:`load_tox21`).
    """
    try:
        from skfp.fingerprints import ECFPFingerprint
        from skfp.preprocessing import MolFromSmilesTransformer
    except ImportError as error:
        raise ImportError(
            "Tox21's fingerprints need RDKit and scikit-fingerprints: "
            "pip install -c constraints.txt '.[chem]' (README)."
        ) from error
    tox21 = load_tox21(as_frame=True)
    parse = MolFromSmilesTransformer(valid_only=True, suppress_warnings=True)
    molecules, labels = parse.transform_x_y(tox21.data["smiles"], tox21.target.to_numpy())
    X = ECFPFingerprint(fp_size=n_bits, radius=radius, sparse=True).transform(molecules)
    return Bunch(
        data=X.tocsr().astype(np.float32),
        target=pd.DataFrame(labels, columns=tox21.target.columns),
        n_unparsed=len(tox21.target) - len(molecules),
        target_names=tox21.target_names,
        DESCR=tox21.DESCR,
        license=tox21.license,
    )
