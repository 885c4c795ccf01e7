"""Book-wide settings shared by the handbook, the Sphinx extension and citations."""

from __future__ import annotations

import os

from identity_book import __version__

BOOK_TITLE = "identity-book: a verified handbook of matrix identities"
BOOK_SHORT = "identity-book"
BOOK_AUTHOR = "The identity-book contributors"
BOOK_URL = os.environ.get("IDENTITY_BOOK_URL", "https://identity-book.github.io/identity-book/")
BOOK_VERSION = __version__
