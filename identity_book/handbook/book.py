"""The handbook's content: the catalogue, numbered, compiled and verified, as template data."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from identity_book.compile import Compiled, compile_identity
from identity_book.handbook.escape import Raw, raw_number
from identity_book.handbook.policy import HandbookError
from identity_book.handbook.views import Context, IdentityView, identity_view
from identity_book.model import Catalogue
from identity_book.numbering import Numbered, number_catalogue, slug_of
from identity_book.verify.results import Result


@dataclass(frozen=True)
class SectionView:
    number: Raw
    title: str
    entries: list[IdentityView]


@dataclass(frozen=True)
class ChapterView:
    number: Raw
    title: str
    docname: Raw
    slug: Raw
    sections: list[SectionView]

    @property
    def entries(self) -> list[IdentityView]:
        return [e for s in self.sections for e in s.entries]


@dataclass(frozen=True)
class Book:
    catalogue: Catalogue
    numbered: dict[str, Numbered]
    results: dict[str, Result]
    chapters: list[ChapterView]

    @property
    def entries(self) -> list[IdentityView]:
        return [e for ch in self.chapters for e in ch.entries]

    def result(self, identity_id: str) -> Result:
        return self.results[identity_id]


def short_state(result: Result) -> str:
    if result.expected == "erratum" and result.status == "refuted":
        return "erratum: the printed statement is false"
    if result.status == "verified":
        return f"verified ({result.strength})"
    if result.expected == "awaiting-proof" and result.status == "inconclusive":
        return "awaiting proof"
    return f"{result.status} (not verified)"


def make_book(catalogue: Catalogue, results: list[Result]) -> Book:
    """Number, compile and lay out every identity; ``results`` in any order, one per identity."""
    by_id = {r.id: r for r in results}
    missing = [i.id for i in catalogue if i.id not in by_id]
    if missing:
        raise HandbookError(f"no verification result for {', '.join(missing)}")
    numbered = number_catalogue(catalogue)
    corrects: dict[str, list[str]] = defaultdict(list)
    for ident in catalogue:
        if ident.corrects:
            corrects[ident.corrects].append(ident.id)
    ctx = Context(numbered, dict(corrects))
    views: dict[str, IdentityView] = {}
    for ident_id, n in numbered.items():
        c: Compiled = compile_identity(n.identity)
        views[ident_id] = identity_view(n, c, by_id[ident_id], ctx)
    return Book(catalogue, numbered, by_id, _chapters(numbered, views))


def _chapters(numbered: dict[str, Numbered], views: dict[str, IdentityView]) -> list[ChapterView]:
    chapters: dict[str, dict[str, list[Numbered]]] = {}
    for n in numbered.values():  # already in number order
        chapters.setdefault(n.chapter, {}).setdefault(n.section, []).append(n)
    out = []
    for sections in chapters.values():
        first = next(iter(sections.values()))[0]
        out.append(
            ChapterView(
                raw_number(str(first.chapter_number)),
                first.chapter_title,
                Raw(first.docname),
                Raw(slug_of(first.chapter)),
                [
                    SectionView(
                        raw_number(f"{ns[0].chapter_number}.{ns[0].section_number}"),
                        ns[0].section_title,
                        [views[n.identity.id] for n in ns],
                    )
                    for ns in sections.values()
                ],
            )
        )
    _check_unique_pages(out)
    return out


def _check_unique_pages(chapters: list[ChapterView]) -> None:
    seen: dict[str, str] = {}
    for ch in chapters:
        if ch.slug == "index":
            raise HandbookError(
                "a chapter folder may not be named 'index' (the handbook's contents page)"
            )
        if ch.docname in seen:
            raise HandbookError(
                f"chapters {seen[ch.docname]!r} and {ch.title!r} would share the page {ch.docname}"
            )
        seen[ch.docname] = ch.title
