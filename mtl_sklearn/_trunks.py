"""Trunks: the shared feature extractors ("experts") of the network.

Each maps a float32 batch of samples to a batch of feature vectors. The
default trunks are small and plain; any ``torch.nn.Module`` class works.
"""

import inspect
import math

import torch
from torch import nn

__all__ = ["ConvTrunk", "MLPTrunk"]


class MLPTrunk(nn.Sequential):
    """Fully connected trunk with ReLU activations, the default for 2-D ``X``.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one sample; filled in from ``X`` by the estimator.
    hidden_sizes : tuple of int, default=(256, 256)
        Width of each hidden layer; the last one is the trunk's output width.
    dropout : float, default=0.5
        Dropout probability after each hidden layer (0.0 before 0.2; on real
        tables 0.5 raised the held-out ROC-AUC, see benchmarks/README.md).
    """

    def __init__(self, input_shape, hidden_sizes=(256, 256), dropout=0.5):
        layers = [nn.Flatten()]
        width = math.prod(input_shape)
        for size in hidden_sizes:
            layers += [nn.Linear(width, size), nn.ReLU()]
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = size
        super().__init__(*layers)


class ConvTrunk(nn.Sequential):
    """Small convolutional trunk, the default for image ``X`` of shape (n, c, h, w).

    Two 3×3 convolutions with ReLU, the second with stride 2, pooled to a 4×4
    grid (which keeps where things are in the image), then one dense layer.

    Parameters
    ----------
    input_shape : tuple of int
        ``(channels, height, width)`` of one image; filled in by the estimator.
    channels : tuple of int, default=(32, 64)
        Output channels of the two convolutions.
    hidden_size : int, default=128
        Width of the dense layer, the trunk's output width.
    dropout : float, default=0.0
        Dropout probability before the dense layer.
    """

    def __init__(self, input_shape, channels=(32, 64), hidden_size=128, dropout=0.0):
        first, second = channels
        super().__init__(
            nn.Conv2d(input_shape[0], first, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(first, second, kernel_size=3, padding=1, stride=2),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(4),
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(second * 16, hidden_size),
            nn.ReLU(),
        )


def build_trunk(module, module_params, input_shape):
    """Instantiate the user's trunk class, filling ``input_shape`` if it takes one."""
    params = dict(module_params)
    if "input_shape" in inspect.signature(module).parameters:
        params.setdefault("input_shape", input_shape)
    return module(**params)


@torch.no_grad()
def output_width(trunk, input_shape):
    """Number of features ``trunk`` gives per sample, measured on two zero samples.

    Lazy layers (``nn.LazyLinear``) take their sizes in this first call.
    """
    width = trunk.eval()(torch.zeros((2, *input_shape))).flatten(1).shape[1]
    trunk.train()
    return width
