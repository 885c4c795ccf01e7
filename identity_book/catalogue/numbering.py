"""Stable identity numbers (chapter.section.n), the same in HTML, PDF and citations.

A chapter's number is its folder's numeric prefix (``02-derivatives`` is chapter 2) or, without
one, its position among the folders; sections likewise from file names; ``n`` counts entries in
their file. Sphinx's own equation numbers differ between builders, so we assign ours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from identity_book.catalogue.records import Catalogue, Identity

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
    """Number every identity; keys are ids, values keep catalogue order."""
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
