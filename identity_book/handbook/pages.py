"""Render the handbook's MyST pages and write them into the Sphinx source folder.

Generated pages go to ``chapters/`` (one page per chapter, so that
``chapters/<slug>.html#<id>`` is an identity's permalink; a long chapter's sections get pages
``chapters/<slug>/<section>`` and the chapter page keeps every old anchor as a link to the new
place) and ``indexes/`` (tags, concordance, errata, status). Both folders belong to the
generator: a marker file says so, files are rewritten only when their text changes (so Sphinx's
incremental build sees what changed) and stale pages are removed. A folder without
the marker is never touched.
"""

from __future__ import annotations

from pathlib import Path

from identity_book.escape import Raw
from identity_book.handbook import chart, indexes
from identity_book.handbook.blocks import BlockStore
from identity_book.handbook.book import Book
from identity_book.handbook.policy import HandbookError
from identity_book.handbook.sources import COOKBOOK, source
from identity_book.handbook.sources_text import fenced
from identity_book.handbook.views import CachedBlock, IdentityView
from identity_book.templates import render
from identity_book.verify.results import STRENGTHS, Strength

FOLDERS = ("chapters", "indexes")
# the heading of an identity: under its section on a chapter page, or on its section's own page
HEADINGS = {"entry": Raw("###"), "section_entry": Raw("##")}
MARKER = ".generated-by-identity-book"


def title_pages(book: Book) -> list[str]:
    """The pages that link identities by id alone, Sphinx printing "number title" when it writes
    them: an edited title leaves their source unchanged, so they are written again, not read again.
    Only the concordance's list of equations cited by entries but missing from its file does (its
    table prints the titles itself, in plain links)."""
    return ["indexes/cookbook"] if indexes.cookbook(book).cited_only else []


def _summary(book: Book, ids: list[str]) -> str:
    cats = [indexes.category(book.result(i)) for i in ids]
    parts = [f"{len(ids)} identit{'y' if len(ids) == 1 else 'ies'}"]
    verified = sum(c in STRENGTHS for c in cats)
    # inequalities checked without a proof are named only where a chapter has some
    shown = [k for k in STRENGTHS if k != Strength.CHECKED or k in cats]
    parts.append(f"{verified} verified (" + ", ".join(f"{cats.count(k)} {Strength(k).words}" for k in shown) + ")")
    words = {
        "erratum": ("erratum", "errata"),
        "awaiting-proof": ("awaiting proof",) * 2,
        "unverified": ("NOT verified",) * 2,
    }
    for key, (one, many) in words.items():
        if cats.count(key):
            parts.append(f"{cats.count(key)} {one if cats.count(key) == 1 else many}")
    return "; ".join(parts) + "."


def _raw(text: str, fmt: str) -> Raw:
    """``text`` as a MyST ``raw`` block for one output format, fenced so nothing inside closes it.

    The class makes Sphinx's HTML writer print the block in a ``div`` with the block's ids, so
    an anchor just before it still lands on it.
    """
    return fenced(text.strip(), f"{{raw}} {fmt}\n:class: ib-raw\n")


def identity_block(entry: IdentityView, level: Raw, blocks: BlockStore | None) -> Raw:
    """The identity's block under a heading of ``level``: cached, or rendered (and kept)."""
    if entry.cached is not None:
        return Raw(entry.cached.text)
    text = render("handbook/identity.md", entry=entry, level=level)
    if blocks is not None:
        blocks.put(entry.key, CachedBlock(text, entry.facts))
    return Raw(text)


def render_pages(book: Book) -> dict[str, str]:
    """Relative path -> page text, for every generated page."""
    pages: dict[str, str] = {}
    for ch in book.chapters:
        level = HEADINGS["section_entry" if ch.split else "entry"]
        blocks = {str(e.id): identity_block(e, level, book.blocks) for e in ch.entries}
        pages[f"{ch.docname}.md"] = render(
            "handbook/chapter.md",
            chapter=ch,
            summary=_summary(book, [e.id for e in ch.entries]),
            moved=Raw(render("handbook/moved.html", chapter=ch)) if ch.split else Raw(""),
            blocks=blocks,
        )
        if ch.split:
            for section in ch.sections:
                pages[f"{section.docname}.md"] = render("handbook/section.md", section=section, blocks=blocks)
    pages["chapters/index.md"] = render(
        "handbook/contents.md",
        chapters=book.chapters,
        summary=_summary(book, [e.id for e in book.entries]),
    )
    status = indexes.status(book)
    pages["indexes/index.md"] = render("handbook/indexes.md")
    tags = indexes.tags(book)
    lists = {
        str(t.tag): (
            _raw(render("handbook/tag-list.html", t=t), "html"),
            _raw(render("handbook/tag-list.tex", t=t), "latex"),
        )
        for t in tags
    }
    pages["indexes/tags.md"] = render("handbook/tags.md", tags=tags, lists=lists)
    cookbook = indexes.cookbook(book)
    where = {str(e.id): e.page for e in book.entries}
    pages["indexes/cookbook.md"] = render(
        "handbook/cookbook.md",
        page=cookbook,
        source=source(COOKBOOK).name,
        table=_raw(render("handbook/cookbook-table.html", page=cookbook, pages=where), "html"),
        list=_raw(render("handbook/cookbook-list.tex", page=cookbook, pages=where), "latex"),
    )
    pages["indexes/errata.md"] = render(
        "handbook/errata.md", errata=indexes.errata(book), source=source(COOKBOOK).short
    )
    pages["indexes/formula-search.md"] = render("handbook/formula-search.md")
    pages["indexes/status.md"] = render(
        "handbook/status.md", status=status, svg=chart.svg(status), tex=chart.tex(status)
    )
    return pages


def _own(folder: Path) -> None:
    if folder.exists() and not (folder / MARKER).exists() and any(folder.iterdir()):
        raise HandbookError(
            f"{folder} exists and was not made by identity-book; move it away (the handbook generates it)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("Generated by identity-book; every file here is rewritten on build.\n")


def write_pages(srcdir: Path, pages: dict[str, str]) -> list[str]:
    """Write changed pages, delete stale ones; returns the paths written."""
    for name in FOLDERS:
        _own(srcdir / name)
    written = []
    for rel, text in pages.items():
        path = srcdir / rel
        if path.parts[len(srcdir.parts)] not in FOLDERS:
            raise HandbookError(f"generated page outside {FOLDERS}: {rel}")
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(rel)
    wanted = {(srcdir / rel).resolve() for rel in pages}
    for name in FOLDERS:
        for old in (srcdir / name).rglob("*.md"):
            if old.resolve() not in wanted:
                old.unlink()
    return written
