"""mtl-sklearn: multi-task classification as a scikit-learn estimator."""

from ._dask import dask_predict, dask_predict_proba
from ._estimator import MultiTaskClassifier
from ._plot import AlphaDisplay
from ._scoring import score_tasks
from ._trunks import ConvTrunk, MLPTrunk

__all__ = [
    "AlphaDisplay",
    "ConvTrunk",
    "MLPTrunk",
    "MultiTaskClassifier",
    "dask_predict",
    "dask_predict_proba",
    "score_tasks",
]
__version__ = "0.1.0"
