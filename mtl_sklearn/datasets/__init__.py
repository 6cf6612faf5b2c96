"""Real multi-task data sets that ship inside the package (no download)."""

from ._base import load_penguins, load_tox21

__all__ = ["load_penguins", "load_tox21"]
