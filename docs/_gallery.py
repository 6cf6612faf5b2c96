"""sphinx-gallery image scraper for the PNG files an example saves in its folder.

sphinx-gallery runs each example in its source folder (``examples/``). An example
that saves its figure with ``savefig`` and closes it leaves nothing for the
matplotlib scraper; this one moves the saved files into the gallery's images
(so nothing is left in ``examples/``) and shows them below the code block.
"""

import shutil
from pathlib import Path

from sphinx_gallery.scrapers import figure_rst


def saved_png_scraper(block, block_vars, gallery_conf):
    """Move the PNG files the block saved next to the example into the gallery."""
    example_dir = Path(block_vars["src_file"]).parent
    images = []
    for png, target in zip(sorted(example_dir.glob("*.png")), block_vars["image_path_iterator"]):
        shutil.move(png, target)
        images.append(target)
    return figure_rst(images, gallery_conf["src_dir"])
