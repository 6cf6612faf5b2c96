"""Real multi-task data sets that ship inside the package (no download)."""

from ._base import load_penguins, load_tox21
from ._fingerprints import TOX21_PARAMS, load_tox21_fingerprints

__all__ = ["TOX21_PARAMS", "load_penguins", "load_tox21", "load_tox21_fingerprints"]
