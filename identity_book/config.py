"""Book-wide settings shared by the handbook, the Sphinx extension and citations."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from identity_book import __version__

CACHE_NAME = ".identity-book-cache"
PROJECT_MARKERS = ("pyproject.toml", "setup.cfg", ".git")

BOOK_TITLE = "identity-book: a verified handbook of matrix identities"
BOOK_SHORT = "identity-book"
BOOK_AUTHOR = "The identity-book contributors"
BOOK_URL = os.environ.get("IDENTITY_BOOK_URL", "https://identity-book.github.io/identity-book/")
BOOK_VERSION = __version__


def cache_folder(setting: str | bool | None = None, base: Path | None = None) -> Path | None:
    """Where verification results are cached: the one rule for the CLI, the handbook and the extension.

    ``setting`` (a folder relative to ``base``, or ``False`` for no cache), else
    ``$IDENTITY_BOOK_CACHE``, else ``.identity-book-cache`` at the project root above ``base``
    (the nearest folder with ``pyproject.toml``, ``setup.cfg`` or ``.git``, where
    ``identity-book verify`` run from the root keeps it) or next to ``base``; without ``base``,
    in the working folder.
    """
    if setting is False:
        return None
    here = (base or Path.cwd()).resolve()
    if isinstance(setting, str) and setting:
        return (here / setting).resolve()
    if os.environ.get("IDENTITY_BOOK_CACHE"):
        return Path(os.environ["IDENTITY_BOOK_CACHE"]).resolve()
    if base is None:
        return here / CACHE_NAME
    for folder in (here, *here.parents):
        if any((folder / marker).exists() for marker in PROJECT_MARKERS):
            return folder / CACHE_NAME
    return here / CACHE_NAME


def make_cache_folder(folder: Path) -> None:
    """Create the cache folder when it does not exist yet, with a ``.gitignore`` of ``*`` in it
    (as pytest does for ``.pytest_cache``), so that it never shows in ``git status``. A folder
    that exists already is left as it is."""
    try:
        folder.mkdir(parents=True)
    except OSError:  # it exists, or cannot be made: results are then simply not kept
        return
    with contextlib.suppress(OSError):
        (folder / ".gitignore").write_text("# created by identity-book\n*\n", encoding="utf-8")
