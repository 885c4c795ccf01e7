"""The handbook pipeline without Sphinx: load, check, verify, gate, render, write."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from identity_book.errors import CatalogueError, Diagnostic
from identity_book.handbook import texunicode
from identity_book.handbook.book import Book, make_book
from identity_book.handbook.latexcheck import check_catalogue_latex
from identity_book.handbook.pages import render_pages, write_pages
from identity_book.handbook.policy import check_publishable
from identity_book.loader import load_catalogue
from identity_book.model import Catalogue, Identity
from identity_book.verify.cache import Cache
from identity_book.verify.checks import Settings
from identity_book.verify.results import Result
from identity_book.verify.runner import verify_many


@dataclass(frozen=True)
class HandbookSettings:
    """Everything the pipeline needs to know; one object, built from Sphinx's config or the CLI."""

    catalogue: tuple[Path, ...]
    cache: Path | None = None
    jobs: int = 0
    seed: int = 0
    symbolic: bool = True
    allow_unverified: bool = False

    def verify_settings(self) -> Settings:
        return Settings(seed=self.seed, symbolic=self.symbolic)


def load(settings: HandbookSettings) -> Catalogue:
    """The catalogue, with every hand-written ``latex:`` display checked (CatalogueError if not)."""
    catalogue = load_catalogue(list(settings.catalogue))
    problems = check_catalogue_latex(catalogue)
    if problems:
        raise CatalogueError(problems)
    return catalogue


def verify(
    catalogue: Catalogue,
    settings: HandbookSettings,
    progress: Callable[[Result], None] | None = None,
) -> list[Result]:
    cache = Cache(settings.cache) if settings.cache else None
    return verify_many(catalogue.identities, settings.verify_settings(), settings.jobs, cache, progress)


def unprintable_text(catalogue: Catalogue) -> list[Diagnostic]:
    """Catalogue text with characters the PDF cannot print, at the entry's file and line."""
    out = []
    for ident in catalogue:
        bad = texunicode.unprintable("".join(_texts(ident)))
        if bad:
            out.append(Diagnostic(ident.location, f"the PDF cannot print {', '.join(bad)}", ident.id))
    return out


def _texts(ident: Identity) -> list[str]:
    texts = [ident.title, ident.notes or "", *ident.conditions, *ident.constraints]
    texts += [s.because or "" for s in ident.derivation]
    texts += [r.note or "" for r in ident.references] + [str(r.eq or "") for r in ident.references]
    return texts


def build_book(catalogue: Catalogue, results: list[Result], settings: HandbookSettings) -> Book:
    """Gate on the results (UnpublishableError) and lay out the book."""
    check_publishable(results, settings.allow_unverified)
    return make_book(catalogue, results)


def generate(book: Book, srcdir: Path) -> list[str]:
    """Render and write the pages; returns the pages that changed."""
    return write_pages(srcdir, render_pages(book))
