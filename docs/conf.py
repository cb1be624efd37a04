"""Sphinx configuration of the Audiolab course site (`make site`).

The site is a static book of the committed notebooks, rendered by myst-nb from
their stored outputs (nothing is executed). ``tools/build_site.py`` builds it:
it lays out a source tree of links to ``docs/``'s pages and to the
``notebooks/``, ``exercises/`` and ``solutions/`` folders, so that a link such as
``../exercises/01_sampling.ipynb`` inside a notebook resolves on the site as it
does in the repository. The table of contents (``index.md``) globs ``NN_*``
notebooks: a new lesson appears without editing this file.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

# The repository that the launch links (Binder, Colab) and the repository button
# point at; tests/test_launch_links.py checks that every notebook agrees.
REPOSITORY = "audiolab-course/audiolab"
BRANCH = "main"

project = "Audiolab"
author = "The Audiolab authors"
copyright = "2026, The Audiolab authors"  # noqa: A001 (Sphinx's name)
html_title = "Audiolab: audio classification, hands-on"

extensions = [
    "myst_nb",
    "audiolab_site",  # docs/_ext/audiolab_site.py: cross-links, widget snapshots
]

root_doc = "index"
# Pages: the site's own (docs/*.md) and the notebooks; Markdown files inside
# the notebook folders (READMEs) and checkpoints are not pages.
exclude_patterns = [
    "_build",
    "_repo",  # files that pages include (the licences), not pages themselves
    "**.ipynb_checkpoints",
    "**__pycache__",
    "notebooks/**.md",
    "exercises/**.md",
    "solutions/**.md",
]
templates_path = ["_templates"]
html_static_path = ["_static"]
html_css_files = ["audiolab.css"]

# -- MyST and myst-nb ---------------------------------------------------------
# Stored outputs only: the notebooks are run by `make execute` and checked by nbval.
nb_execution_mode = "off"
# Outputs stay in their order: merging streams would move every printed line
# above the audio players and figures that the prints introduce.
nb_merge_streams = False
# Widgets are shown as static snapshots of their stored state (audiolab_site);
# no widget JavaScript is loaded from a CDN.
nb_ipywidgets_js: dict[str, dict[str, str]] = {}
# Markdown cells are read as Jupyter reads them: $...$ and $$...$$ are maths.
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
suppress_warnings = ["mystnb.unknown_mime_type"]

# -- HTML theme -----------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_theme_options = {
    "repository_url": f"https://github.com/{REPOSITORY}",
    "repository_branch": BRANCH,
    "path_to_docs": "",  # pages sit at their repository paths (notebooks/NN_x.ipynb)
    "use_repository_button": True,
    "use_download_button": True,
    "launch_buttons": {
        "binderhub_url": "https://mybinder.org",
        "colab_url": "https://colab.research.google.com",
        "notebook_interface": "jupyterlab",
    },
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "footer_content_items": ["copyright.html", "audiolab-licences.html"],
    "navbar_persistent": [],  # the sidebar has the search field already
}
# Light by default: the notebooks' figures have white backgrounds. (Without a
# default, the theme's script logs an error on a reader's first visit.)
html_context = {"default_mode": "light"}
html_last_updated_fmt = None
html_show_sourcelink = False
