import os

import numpy as np
import pytest
from hypothesis import settings


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


# Property-based tests draw the same examples on every run (CI stays reproducible);
# HYPOTHESIS_PROFILE=explore draws many more, at random, to look for new failures.
settings.register_profile("deterministic", derandomize=True, database=None, max_examples=20)
settings.register_profile("explore", max_examples=300, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))
