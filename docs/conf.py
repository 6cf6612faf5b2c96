"""Sphinx configuration of the mtl-sklearn documentation.

Build (from the repository root, warnings as errors):
python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

import os
import re
import sys

import torch

import mtl_sklearn

# The examples run in this process and their networks are tiny: one thread. With two, torch's
# OpenMP threads spin against any other job on a 2-core machine (the gallery took 150 s, not 5).
torch.set_num_threads(1)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # for _gallery (the PNG scraper)

project = "mtl-sklearn"
author = "mtl-sklearn developers"
copyright = "mtl-sklearn developers, BSD-3-Clause"
release = mtl_sklearn.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
# No intersphinx: the build must not fetch anything.

templates_path = ["_templates"]
exclude_patterns = ["_build"]
root_doc = "index"
default_role = "literal"  # `name` is code, as in scikit-learn's docstrings

# -- autodoc / autosummary / numpydoc ------------------------------------------
autosummary_generate = True
autodoc_typehints = "none"
numpydoc_show_class_members = False  # members come from the class template (autodoc :members:)
numpydoc_class_members_toctree = False

# -- sphinx-gallery -------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Only plot_*.py files run; the others are shown without running (they are slow).
    "filename_pattern": re.escape(os.sep) + "plot_",
    # Matplotlib figures left open, and the PNG files an example saves in its folder.
    "image_scrapers": ("matplotlib", "_gallery.saved_png_scraper"),
    "download_all_examples": False,
    "remove_config_comments": True,
}

# -- HTML -----------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"mtl-sklearn {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_prev_next": False,
}
html_show_sourcelink = False


def _skip_metadata_requests(app, what, name, obj, skip, options):
    """Leave out scikit-learn's generated ``set_*_request`` methods.

    Their docstrings link to scikit-learn's own glossary and user guide, which
    this site does not have (and no intersphinx).
    """
    if re.fullmatch(r"set_\w+_request", name):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_metadata_requests)
