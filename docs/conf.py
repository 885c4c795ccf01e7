"""Sphinx configuration of the handbook and of identity-book's own documentation.

``sphinx-build docs OUT`` builds the same site as ``identity-book build html``: the
``identity_book.handbook`` extension generates the handbook's pages (``chapters/``,
``indexes/``) from the catalogue before Sphinx reads them.
"""

from __future__ import annotations

from pathlib import Path

from identity_book import config as book

ROOT = Path(__file__).resolve().parent.parent

project = book.BOOK_SHORT
author = book.BOOK_AUTHOR
release = version = book.BOOK_VERSION
copyright = f"the identity-book contributors, version {book.BOOK_VERSION}"  # noqa: A001

extensions = ["myst_parser", "identity_book.handbook"]
root_doc = "index"
exclude_patterns = ["_build", "_generated", "README.md"]
myst_heading_anchors = 3
myst_enable_extensions = ["deflist"]

# The catalogue the handbook is built from (results are cached as identity_book.config.cache_folder says).
identity_book_handbook_catalogue = [str(ROOT / "identities")]

# Furo: a documentation theme that is actively maintained, with light and dark mode (following
# the reader's system, or the toggle), a sidebar of the book's pages and sections, an "on this
# page" list of the identities, and good reading on phones; see docs/guide/handbook-site.md.
html_theme = "furo"
html_title = book.BOOK_TITLE
html_baseurl = book.BOOK_URL
html_theme_options = {"navigation_with_keys": True}

latex_engine = "pdflatex"
latex_documents = [("index", "identity-book.tex", book.BOOK_TITLE, book.BOOK_AUTHOR, "manual")]
latex_toplevel_sectioning = "chapter"
latex_elements = {
    "papersize": "a4paper",
    "pointsize": "10pt",
    "printindex": "",
}
latex_show_urls = "no"
