"""The book-wide pages' data: index by tag, Matrix Cookbook concordance, errata, status counts."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from identity_book.escape import Raw, raw_id, raw_number
from identity_book.handbook.book import Book, ChapterView, short_state
from identity_book.handbook.concordance import CorrectedRecord, EntryRecord, OutOfScopeRecord
from identity_book.handbook.sources import COOKBOOK
from identity_book.handbook.views import IdentityView, LinkView, link
from identity_book.verdict import verdict
from identity_book.verify.results import STRENGTHS, Result

# Status categories, in the order of the chart, with their colours.
CATEGORIES = (
    ("proved", "proved", "verified, proved for all sizes", "#00441b"),
    ("proved-at-sizes", "proved at sizes", "verified, proved at small sizes only", "#1b7837"),
    ("exact", "exact", "verified in exact arithmetic", "#5aae61"),
    ("numeric", "numeric", "verified numerically", "#a6dba0"),
    ("checked", "checked", "inequality checked, no counterexample found (not proved)", "#d9f0d3"),
    ("erratum", "errata", "erratum (printed statement false)", "#9970ab"),
    ("awaiting-proof", "awaiting proof", "awaiting proof", "#f1b6da"),
    ("unverified", "not verified", "not verified (published on request)", "#d6604d"),
)


def category(result: Result) -> str:
    return verdict(result).category


@dataclass(frozen=True)
class TagView:
    tag: Raw
    entries: list[IdentityView]  # in number order


def tags(book: Book) -> list[TagView]:
    by_tag: dict[str, list[IdentityView]] = {}
    for e in book.entries:
        for t in e.tags:
            by_tag.setdefault(t, []).append(e)
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
class Listed:
    """An entry named in the concordance, with what the checks found."""

    entry: LinkView
    state: str


@dataclass(frozen=True)
class CookbookRow:
    """One record of the concordance file."""

    eq: str
    status: str  # entry | corrected | out-of-scope
    label: str  # the status in words
    entries: list[Listed]  # our entries (for "corrected": the corrected ones)
    erratum: Listed | None  # the printed form, refuted
    reason: str
    note: str
    also: list[Listed]  # entries that cite this equation but are not listed in the record


STATUS_WORDS = {"entry": "in the handbook", "corrected": "corrected", "out-of-scope": "out of scope"}


@dataclass(frozen=True)
class CookbookPage:
    file: str  # the concordance file ("" when there is none: the page comes from references)
    rows: list[CookbookRow]
    counts: dict[str, int]  # per status
    cited_only: list[ConcordanceRow]  # cited by entries, missing from the file


def cookbook(book: Book) -> CookbookPage:
    """The concordance page: from the concordance file when there is one, else from references."""
    cited = concordance(book)
    if book.concordance is None:
        return CookbookPage("", [], {}, cited)

    def listed(ident_id: str) -> Listed:
        return Listed(link(book.numbered[ident_id]), short_state(book.result(ident_id)))

    citing: dict[str, list[str]] = {}
    for n in book.numbered.values():
        for ref in n.identity.references:
            if ref.source == COOKBOOK and ref.eq:
                citing.setdefault(ref.eq, []).append(n.identity.id)
    rows = []
    for record in sorted(book.concordance.records, key=lambda r: _natural(str(r.eq))):
        eq = str(record.eq)
        ids = list(record.ids) if isinstance(record, EntryRecord | CorrectedRecord) else []
        erratum = record.erratum if isinstance(record, CorrectedRecord) else None
        shown = {*ids, erratum}
        rows.append(
            CookbookRow(
                eq,
                record.status,
                STATUS_WORDS[record.status],
                [listed(i) for i in ids],
                listed(erratum) if erratum else None,
                record.reason if isinstance(record, OutOfScopeRecord) else "",
                record.note or "",
                [listed(i) for i in dict.fromkeys(citing.get(eq, [])) if i not in shown],
            )
        )
    counts = Counter(r.status for r in rows)
    in_file = book.concordance.eqs()
    return CookbookPage(
        book.concordance.file,
        rows,
        {k: counts[k] for k in STATUS_WORDS},
        [row for row in cited if row.eq not in in_file],
    )


@dataclass(frozen=True)
class ErratumView:
    entry: IdentityView
    corrected: IdentityView | None
    source: str  # where the statement is printed, e.g. "The Matrix Cookbook, eq. 100"
    eqs: list[str]  # its Matrix Cookbook equation numbers


def errata(book: Book) -> list[ErratumView]:
    """Every entry with ``status: erratum``, by Cookbook equation number."""
    by_id = {e.id: e for e in book.entries}
    out = []
    for view in book.entries:
        ident = book.numbered[view.id].identity
        if ident.status != "erratum":
            continue
        eqs = [r.eq for r in ident.references if r.source == COOKBOOK and r.eq]
        where = [f"{r.source}, eq. {r.eq}" if r.eq else r.source for r in view.references]
        fixed = by_id.get(view.corrected_by.id) if view.corrected_by else None
        out.append(ErratumView(view, fixed, "; ".join(where), eqs))
    return sorted(out, key=lambda e: (not e.eqs, _natural(e.eqs[0]) if e.eqs else (), _natural(e.entry.number)))


@dataclass(frozen=True)
class CountRow:
    label: str
    number: Raw
    counts: dict[str, int]
    total: int


@dataclass(frozen=True)
class DerivationCounts:
    """Derivative identities (errata aside) by the derivation they show, and checked steps."""

    label: str
    number: Raw
    derivative: int
    written: int
    generated: int
    none: int
    steps_verified: int
    steps: int


def derivation_counts(label: str, number: Raw, entries: list[IdentityView]) -> DerivationCounts:
    facts = [e.facts for e in entries]
    derivative = [f for e, f in zip(entries, facts, strict=True) if f.derivative and e.verdict.state != "erratum"]
    shown = [d for f in facts for d in (f.derivation, f.also_generated) if d is not None]
    return DerivationCounts(
        label,
        number,
        len(derivative),
        sum(f.derivation is not None and not f.derivation.generated for f in derivative),
        sum(f.derivation is not None and f.derivation.generated for f in derivative),
        sum(f.derivation is None for f in derivative),
        sum(d.verified_steps for d in shown),
        sum(d.steps for d in shown),
    )


@dataclass(frozen=True)
class Status:
    rows: list[CountRow]  # one per chapter
    totals: dict[str, int]
    total: int
    categories: list[tuple[str, str, str, str]]  # key, short label, label, colour
    statuses: dict[str, int]
    strengths: dict[str, int]
    derivations: list[DerivationCounts]  # one per chapter
    derivations_total: DerivationCounts


def _chapter_derivations(ch: ChapterView) -> DerivationCounts:
    return derivation_counts(ch.title, ch.number, ch.entries)


def status(book: Book) -> Status:
    rows = []
    for ch in book.chapters:
        counts = Counter(category(book.result(e.id)) for e in ch.entries)
        rows.append(CountRow(ch.title, ch.number, {k: counts[k] for k, *_ in CATEGORIES}, len(ch.entries)))
    totals = {k: sum(r.counts[k] for r in rows) for k, *_ in CATEGORIES}
    results = list(book.results.values())
    statuses = Counter(str(r.status) for r in results)
    strengths = Counter(str(r.strength) for r in results if r.status == "verified")
    return Status(
        rows,
        totals,
        sum(r.total for r in rows),
        list(CATEGORIES),
        {k: statuses[k] for k in ("verified", "refuted", "inconclusive", "error")},
        {k: strengths[k] for k in STRENGTHS},
        [_chapter_derivations(ch) for ch in book.chapters],
        derivation_counts("All chapters", raw_number("0"), book.entries),
    )
