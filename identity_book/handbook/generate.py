"""The handbook pipeline without Sphinx: load, check, verify, gate, render, write."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

from identity_book import templates, texunicode
from identity_book.catalogue import ledger
from identity_book.catalogue.latexcheck import check_catalogue_latex
from identity_book.catalogue.loader import load_catalogue
from identity_book.catalogue.records import Catalogue, Identity
from identity_book.errors import CatalogueError, Diagnostic, Location
from identity_book.handbook.blocks import BlockStore
from identity_book.handbook.book import SPLIT_OVER, Book, make_book
from identity_book.handbook.concordance import Concordance, default_path, load_concordance
from identity_book.handbook.pages import render_pages, write_pages
from identity_book.handbook.policy import check_publishable
from identity_book.stamp import code_digest
from identity_book.verify.cache import Cache
from identity_book.verify.checks import Settings
from identity_book.verify.results import Result
from identity_book.verify.runner import verify_many

T = TypeVar("T")


@dataclass(frozen=True)
class HandbookSettings:
    """Everything the pipeline needs to know; one object, built from Sphinx's config or the CLI."""

    catalogue: tuple[Path, ...]
    cache: Path | None = None
    jobs: int = 0
    seed: int = 0
    symbolic: bool = True
    allow_unverified: bool = False
    # the Matrix Cookbook concordance; None: concordance/matrix-cookbook.yaml next to the
    # catalogue folder, used when it exists (an explicit path must exist)
    concordance: Path | None = None
    # a chapter with more identities than this gets a page per section
    split_over: int = SPLIT_OVER

    def verify_settings(self) -> Settings:
        return Settings(seed=self.seed, symbolic=self.symbolic)

    def concordance_path(self) -> Path | None:
        return self.concordance or default_path(self.catalogue)


# One process often runs the pipeline several times on unchanged files (the CLI's check, then
# Sphinx's HTML and PDF builds, or a live preview between edits): the catalogue, its results and
# the book are kept for as long as no source file changed (same paths, sizes and mtimes).
_MEMO: dict[tuple[object, ...], object] = {}


def sources(settings: HandbookSettings) -> tuple[tuple[str, int, int], ...]:
    """Every file the book is made from, with its size and mtime: the memo's key."""
    files = [p for root in settings.catalogue for p in (sorted(root.rglob("*.y*ml")) if root.is_dir() else [root])]
    files += [p for p in (settings.concordance_path(), *(ledger.default_path(r) for r in settings.catalogue)) if p]
    out = []
    for path in files:
        try:
            st = path.stat()
        except OSError:
            continue
        out.append((str(path), st.st_size, st.st_mtime_ns))
    return tuple(out)


def _memo(key: tuple[object, ...], make: Callable[[], T]) -> T:
    if key not in _MEMO:
        if len(_MEMO) > 8:
            _MEMO.clear()
        _MEMO[key] = make()
    return cast(T, _MEMO[key])


def load(settings: HandbookSettings) -> Catalogue:
    """The catalogue, with every hand-written ``latex:`` display and the concordance checked.

    Raises CatalogueError with every problem at its file and line.
    """
    return _memo(("load", settings.catalogue, settings.concordance, sources(settings)), lambda: _load(settings))


def _load(settings: HandbookSettings) -> Catalogue:
    catalogue = load_catalogue(list(settings.catalogue), cache=settings.cache)
    problems = check_catalogue_latex(catalogue)
    if problems:
        raise CatalogueError(problems)
    concordance(settings, catalogue)
    return catalogue


def concordance(settings: HandbookSettings, catalogue: Catalogue) -> Concordance | None:
    """The concordance file checked against the catalogue, or None while there is none."""
    path = settings.concordance_path()
    if path is None:
        return None
    if not path.exists():
        if settings.concordance is not None:
            raise CatalogueError([Diagnostic(Location(str(path)), "the configured concordance file does not exist")])
        return None
    return load_concordance(path, catalogue)


def verify(
    catalogue: Catalogue,
    settings: HandbookSettings,
    progress: Callable[[Result], None] | None = None,
) -> list[Result]:
    cache = Cache(settings.cache) if settings.cache else None

    def run() -> list[Result]:
        return verify_many(catalogue.identities, settings.verify_settings(), settings.jobs, cache, progress)

    return list(_memo(("verify", catalogue, settings.verify_settings(), settings.cache), run))


def unprintable_text(catalogue: Catalogue, concordance: Concordance | None = None) -> list[Diagnostic]:
    """Catalogue and concordance text with characters the PDF cannot print, at its file and line."""
    out = []
    for ident in catalogue:
        bad = texunicode.unprintable("".join(_texts(ident)))
        if bad:
            out.append(Diagnostic(ident.location, f"the PDF cannot print {', '.join(bad)}", ident.id))
    for record, where in zip(
        concordance.records if concordance else [], concordance.locations if concordance else [], strict=True
    ):
        bad = texunicode.unprintable(f"{getattr(record, 'reason', '')}{record.note or ''}")
        if bad:
            out.append(Diagnostic(where, f"the PDF cannot print {', '.join(bad)}", f"eq. {record.eq}"))
    return out


def _texts(ident: Identity) -> list[str]:
    texts = [ident.title, ident.notes or "", *ident.conditions, *ident.constraints]
    texts += [s.because or "" for s in ident.derivation]
    texts += [r.note or "" for r in ident.references] + [str(r.eq or "") for r in ident.references]
    return texts


def build_book(catalogue: Catalogue, results: list[Result], settings: HandbookSettings) -> Book:
    """Gate on the results (UnpublishableError) and lay out the book."""
    check_publishable(results, settings.allow_unverified)
    key = ("book", catalogue, settings.concordance, settings.split_over, sources(settings))
    kept = _MEMO.get(key)
    if isinstance(kept, tuple) and len(kept[0]) == len(results) and all(map(operator.is_, kept[0], results)):
        return cast(Book, kept[1])
    blocks = BlockStore(settings.cache)
    if settings.cache:
        templates.keep_compiled(settings.cache / "templates", code_digest())
    book = make_book(catalogue, results, concordance(settings, catalogue), settings.split_over, blocks)
    _memo(key, lambda: (list(results), book))
    return book


def generate(book: Book, srcdir: Path) -> list[str]:
    """Render and write the pages, and keep their identity blocks; returns the pages that changed."""
    written = write_pages(srcdir, render_pages(book))
    if book.blocks is not None:
        book.blocks.save()
    return written
