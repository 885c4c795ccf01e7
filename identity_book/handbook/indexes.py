"""The book-wide pages' data: index by tag, Matrix Cookbook concordance, status counts."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from identity_book.handbook.book import Book, short_state
from identity_book.handbook.escape import Raw, raw_id
from identity_book.handbook.sources import COOKBOOK
from identity_book.handbook.views import LinkView, link
from identity_book.verify.results import Result

# Status categories, in the order of the chart, with their colours.
CATEGORIES = (
    ("proved", "proved", "verified, proved symbolically", "#1b7837"),
    ("exact", "exact", "verified in exact arithmetic", "#5aae61"),
    ("numeric", "numeric", "verified numerically", "#a6dba0"),
    ("erratum", "errata", "erratum (printed statement false)", "#9970ab"),
    ("awaiting-proof", "awaiting proof", "awaiting proof", "#f1b6da"),
    ("unverified", "not verified", "not verified (published on request)", "#d6604d"),
)


def category(result: Result) -> str:
    if result.status == "verified" and result.ok:
        return result.strength or "numeric"
    if result.expected == "erratum" and result.status == "refuted":
        return "erratum"
    if result.expected == "awaiting-proof" and result.status == "inconclusive":
        return "awaiting-proof"
    return "unverified"


@dataclass(frozen=True)
class TagView:
    tag: Raw
    entries: list[LinkView]


def tags(book: Book) -> list[TagView]:
    by_tag: dict[str, list[LinkView]] = {}
    for n in book.numbered.values():
        for t in n.identity.tags:
            by_tag.setdefault(t, []).append(link(n))
    return [TagView(raw_id(t), by_tag[t]) for t in sorted(by_tag)]


@dataclass(frozen=True)
class Finding:
    entry: LinkView
    state: str
    corrected_by: LinkView | None
    note: str


@dataclass(frozen=True)
class ConcordanceRow:
    eq: str
    findings: list[Finding]


def _natural(eq: str) -> tuple[object, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", eq))


def concordance(book: Book) -> list[ConcordanceRow]:
    """Each cited Matrix Cookbook equation number with the entries that cite it."""
    rows: dict[str, list[Finding]] = {}
    for n in book.numbered.values():
        for ref in n.identity.references:
            if ref.source != COOKBOOK or not ref.eq:
                continue
            result = book.result(n.identity.id)
            target = book.numbered.get(n.identity.corrects or "")
            finding = Finding(link(n), short_state(result), link(target) if target else None, ref.note or "")
            rows.setdefault(ref.eq, []).append(finding)
    return [ConcordanceRow(eq, rows[eq]) for eq in sorted(rows, key=_natural)]


@dataclass(frozen=True)
class CountRow:
    label: str
    number: Raw
    counts: dict[str, int]
    total: int


@dataclass(frozen=True)
class Status:
    rows: list[CountRow]  # one per chapter
    totals: dict[str, int]
    total: int
    categories: list[tuple[str, str, str, str]]  # key, short label, label, colour
    statuses: dict[str, int]
    strengths: dict[str, int]


def status(book: Book) -> Status:
    rows = []
    for ch in book.chapters:
        counts = Counter(category(book.result(e.id)) for e in ch.entries)
        rows.append(CountRow(ch.title, ch.number, {k: counts[k] for k, *_ in CATEGORIES}, len(ch.entries)))
    totals = {k: sum(r.counts[k] for r in rows) for k, *_ in CATEGORIES}
    results = list(book.results.values())
    statuses = Counter(r.status for r in results)
    strengths = Counter(r.strength for r in results if r.status == "verified")
    return Status(
        rows,
        totals,
        sum(r.total for r in rows),
        list(CATEGORIES),
        {k: statuses[k] for k in ("verified", "refuted", "inconclusive", "error")},
        {k: strengths[k] for k in ("proved", "exact", "numeric")},
    )
