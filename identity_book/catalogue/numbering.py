"""Stable identity numbers (chapter.section.n), the same in HTML, PDF and citations.

A chapter's number is its folder's numeric prefix (``02-derivatives`` is chapter 2) or, without
one, its position among the folders; sections likewise from file names; ``n`` counts entries in
their file. Sphinx's own equation numbers differ between builders, so we assign ours.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from identity_book.catalogue.records import Catalogue, Identity
from identity_book.errors import Diagnostic, Location

_PREFIX = re.compile(r"^(\d+)[-_](.*)$")


def split_prefix(name: str) -> tuple[int | None, str]:
    m = _PREFIX.match(name)
    return (int(m.group(1)), m.group(2)) if m else (None, name)


def title_of(name: str) -> str:
    """``02-derivatives`` -> ``Derivatives``; ``kronecker-vec`` -> ``Kronecker vec``."""
    words = split_prefix(name.rsplit("/", 1)[-1])[1].replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else name


def slug_of(name: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", split_prefix(name)[1].lower()).strip("-") or "chapter"


CONTENTS_PAGE = "index"  # chapters/index is the handbook's list of chapters


def layout_problems(identities: Iterable[Identity]) -> list[Diagnostic]:
    """Chapter folders and section files whose pages or numbers would clash, each at the first
    file it holds: a chapter named like the list of chapters (``03-index``: chapters/index), two
    chapters with one page (``01-basics``, ``02-basics``) or one number (``01-a``, ``1-b``), two
    sections of a chapter with one page (``trace.yaml``, ``trace.yml``) or one number."""
    chapters: dict[str, dict[str, Identity]] = {}
    for ident in identities:
        chapters.setdefault(ident.chapter, {}).setdefault(ident.section, ident)
    found = []
    for chapter in sorted(chapters):
        if slug_of(chapter) == CONTENTS_PAGE:
            found.append(
                _at(
                    next(iter(chapters[chapter].values())),
                    f"chapter folder {chapter!r} would have the page chapters/{CONTENTS_PAGE}, the handbook's "
                    "list of chapters: rename the folder",
                )
            )
    found += _clashes({c: next(iter(s.values())) for c, s in chapters.items()}, "chapter folders", "chapters")
    for chapter, sections in sorted(chapters.items()):
        found += _clashes(sections, f"section files of chapter {chapter!r}", f"chapters/{slug_of(chapter)}")
    return found


def _clashes(firsts: dict[str, Identity], what: str, folder: str) -> list[Diagnostic]:
    """Names (with the first identity of each) that share a page or a numeric prefix."""
    found = []
    pages: dict[str, str] = {}
    numbers: dict[int, str] = {}
    for name in sorted(firsts):
        page, number = slug_of(name), split_prefix(name)[0]
        if page in pages:
            found.append(
                _at(
                    firsts[name],
                    f"{what} {pages[page]!r} and {name!r} would share the page {folder}/{page}: rename one",
                )
            )
        elif number is not None and number in numbers:
            found.append(
                _at(
                    firsts[name], f"{what} {numbers[number]!r} and {name!r} have the same number {number}: renumber one"
                )
            )
        pages.setdefault(page, name)
        if number is not None:
            numbers.setdefault(number, name)
    return found


def _at(first: Identity, message: str) -> Diagnostic:
    return Diagnostic(Location(first.location.file), message)


@dataclass(frozen=True)
class Numbered:
    identity: Identity
    number: str
    chapter: str
    chapter_number: int
    chapter_title: str
    section: str
    section_number: int
    section_title: str
    docname: str  # the handbook page, e.g. "chapters/derivatives"

    @property
    def anchor(self) -> str:
        return self.identity.id


def _ordinals(names: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    used = {n for n in (split_prefix(x)[0] for x in names) if n is not None}
    nxt = 1
    for name in sorted(names):
        prefix = split_prefix(name)[0]
        if prefix is not None:
            out[name] = prefix
        else:
            while nxt in used:
                nxt += 1
            out[name] = nxt
            used.add(nxt)
    return dict(sorted(out.items(), key=lambda item: item[1]))  # in number order: 2 before 10


def number_catalogue(catalogue: Catalogue) -> dict[str, Numbered]:
    """Number every identity; keys are ids, in number order. The handbook, the Sphinx extension
    and citations all number with this. Beside the built-in catalogue (``catalogue.builtin``),
    which keeps its numbers, the chapters of one's own catalogues are numbered after its last
    chapter, in their order, so that no two identities share a number."""
    if not catalogue.builtin:
        return _number(catalogue)
    builtin = _number(Catalogue(tuple(i for i in catalogue if i.id in catalogue.builtin)))
    own = _number(Catalogue(tuple(i for i in catalogue if i.id not in catalogue.builtin)))
    if not builtin or not own:
        return builtin or own
    last = max(n.chapter_number for n in builtin.values())
    chapters = {c: last + k for k, c in enumerate(dict.fromkeys(n.chapter for n in own.values()), start=1)}
    return {**builtin, **{i: _in_chapter(n, chapters[n.chapter]) for i, n in own.items()}}


def _in_chapter(numbered: Numbered, chapter: int) -> Numbered:
    section_and_n = numbered.number.split(".", 1)[1]
    return replace(numbered, number=f"{chapter}.{section_and_n}", chapter_number=chapter)


def _number(catalogue: Catalogue) -> dict[str, Numbered]:
    chapters = _ordinals(sorted({i.chapter for i in catalogue}))
    out: dict[str, Numbered] = {}
    for chapter, cnum in chapters.items():
        members = [i for i in catalogue if i.chapter == chapter]
        sections = _ordinals(sorted({i.section for i in members}))
        for section, snum in sections.items():
            entries = [i for i in members if i.section == section]
            for n, ident in enumerate(entries, start=1):
                out[ident.id] = Numbered(
                    ident,
                    f"{cnum}.{snum}.{n}",
                    chapter,
                    cnum,
                    title_of(chapter),
                    section,
                    snum,
                    title_of(section),
                    f"chapters/{slug_of(chapter)}",
                )
    return dict(sorted(out.items(), key=lambda kv: _key(kv[1].number)))


def _key(number: str) -> tuple[int, ...]:
    return tuple(int(x) for x in number.split("."))
