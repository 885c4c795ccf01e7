"""The catalogue that ships with identity-book, and which catalogue a command reads by default.

In a wheel the catalogue is package data (``identity_book/identities``, with the Matrix Cookbook
concordance beside it in ``identity_book/concordance``); in a source checkout it is the
repository's ``identities/``. Anywhere a catalogue folder is named, ``builtin`` names this one,
so a documentation project can embed ``trace-axb`` with ``identity_book_catalogue = "builtin"``
and combine it with folders of its own.
"""

from __future__ import annotations

from pathlib import Path

BUILTIN = "builtin"
PACKAGE_DIR = Path(__file__).resolve().parent.parent  # identity_book/
LOCAL = Path("identities")


def builtin_folder() -> Path:
    """The shipped catalogue's folder: the wheel's package data, else the checkout's (when neither
    exists, the wheel's path, which the loader then reports as missing)."""
    installed, checkout = PACKAGE_DIR / "identities", PACKAGE_DIR.parent / "identities"
    return checkout if not installed.is_dir() and checkout.is_dir() else installed


def catalogue_path(value: str | Path, base: Path | None = None) -> Path:
    """A catalogue folder or file as written (``builtin``, or a path relative to ``base``)."""
    if str(value) == BUILTIN:
        return builtin_folder()
    path = Path(value)
    return path if base is None or path.is_absolute() else base / path


def catalogue_paths(values: list[str] | tuple[str, ...], base: Path | None = None) -> list[Path]:
    """The catalogues a command reads: those named, else ``identities/`` in the working folder
    when there is one, else the built-in catalogue."""
    if values:
        return [catalogue_path(v, base) for v in values]
    return [LOCAL] if LOCAL.is_dir() else [builtin_folder()]
