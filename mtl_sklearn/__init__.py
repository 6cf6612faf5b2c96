"""mtl-sklearn: multi-task classification as a scikit-learn estimator."""

from ._estimator import MultiTaskClassifier
from ._network import ConvTrunk, MLPTrunk
from ._plot import AlphaDisplay
from ._scoring import score_tasks

__all__ = ["AlphaDisplay", "ConvTrunk", "MLPTrunk", "MultiTaskClassifier", "score_tasks"]
__version__ = "0.1.0"
