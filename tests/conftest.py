import os
import signal

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


@pytest.fixture(scope="module")  # module-wide: hypothesis re-runs a test in one fixture
def interruptible():
    """SIGINT raises KeyboardInterrupt, as in a terminal or notebook.

    A CI runner or a shell's background job may start the tests with SIGINT
    ignored, and an ignored signal is (rightly) not an interrupt.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


# Property-based tests draw the same examples on every run (CI stays reproducible);
# HYPOTHESIS_PROFILE=explore draws many more, at random, to look for new failures.
settings.register_profile("deterministic", derandomize=True, database=None, max_examples=20)
settings.register_profile("explore", max_examples=300, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))
