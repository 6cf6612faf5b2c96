"""mtl-sklearn: multi-task classification as a scikit-learn estimator."""

from ._estimator import MultiTaskClassifier
from ._network import ConvTrunk, MLPTrunk

__all__ = ["MultiTaskClassifier", "MLPTrunk", "ConvTrunk"]
__version__ = "0.1.0"
