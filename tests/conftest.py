import numpy as np
import pytest


@pytest.fixture
def shared_factor_data():
    """Four binary tasks that all threshold one latent factor of X, 30 % labels missing."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(800, 20)).astype(np.float32)
    latent = X[:, :5] @ rng.normal(size=5)
    Y = np.stack([latent + 0.3 * rng.normal(size=800) > cut for cut in (-0.5, 0.0, 0.5, 1.0)], axis=1)
    Y = Y.astype(float)
    Y[rng.uniform(size=Y.shape) < 0.3] = np.nan
    return X, Y
