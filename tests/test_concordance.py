"""The Matrix Cookbook concordance (concordance/matrix-cookbook.yaml) against the catalogue.

Every numbered equation of the chapters we cover has exactly one record; every id a record names
is an identity of the catalogue; every equation an identity cites is in the concordance with a
status that agrees with the citation; every corrected equation has its printed form as an
erratum entry that points back at a corrected entry.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from identity_book.catalogue.loader import load_catalogue
from identity_book.catalogue.records import Catalogue
from identity_book.handbook.concordance import (
    Concordance,
    CorrectedRecord,
    EntryRecord,
    OutOfScopeRecord,
    load_concordance,
)

# The numbered equations of the chapters the concordance covers, in the numbering of the edition
# of 15 November 2012 (chapter boundaries as in eric-wieser/lean-matrix-cookbook).
CHAPTERS: dict[str, range] = {
    "1 Basics": range(1, 32),
    "2 Derivatives": range(32, 145),
    "3 Inverses": range(145, 225),
    "4 Complex matrices": range(225, 260),
    "5 Solutions and decompositions": range(260, 303),
    "6 Statistics and probability": range(303, 335),
    "7 Multivariate distributions": range(335, 346),
    "8 Gaussians": range(346, 397),
    "9 Special matrices": range(397, 487),
    "10.1 Functions and series": range(487, 505),
    "10.2 Kronecker and vec operator": range(505, 525),
    "10.3-10.5 Norms and rank": range(525, 547),  # numbering reconstructed, see the file's comment
    "10.6-10.7 Dirac delta integrals and miscellaneous": range(547, 551),
    "A One-dimensional results": range(551, 570),
}

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "identities"
CONCORDANCE = ROOT / "concordance" / "matrix-cookbook.yaml"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(CATALOGUE)


@pytest.fixture(scope="module")
def concordance(catalogue: Catalogue) -> Concordance:
    return load_concordance(CONCORDANCE, catalogue)


@pytest.fixture(scope="module")
def records(concordance: Concordance) -> dict[int, EntryRecord | CorrectedRecord | OutOfScopeRecord]:
    by_eq: dict[int, EntryRecord | CorrectedRecord | OutOfScopeRecord] = {}
    for record in concordance.records:
        eq = int(record.eq)
        assert eq not in by_eq, f"eq. {eq} is listed twice"
        by_eq[eq] = record
    return by_eq


def _cited(catalogue: Catalogue) -> dict[int, list[str]]:
    """Equation number to the ids of the identities that cite it."""
    cited: dict[int, list[str]] = defaultdict(list)
    for identity in catalogue.identities:
        for reference in identity.references:
            if reference.source == "matrix-cookbook" and reference.eq is not None:
                cited[int(reference.eq)].append(identity.id)
    return cited


def test_the_chapter_ranges_do_not_overlap() -> None:
    numbers = [eq for chapter in CHAPTERS.values() for eq in chapter]
    assert len(numbers) == len(set(numbers))


@pytest.mark.parametrize("chapter", list(CHAPTERS))
def test_every_equation_of_a_chapter_is_accounted_for(
    chapter: str, records: dict[int, EntryRecord | CorrectedRecord | OutOfScopeRecord]
) -> None:
    missing = [eq for eq in CHAPTERS[chapter] if eq not in records]
    assert not missing, f"chapter {chapter}: no record for eqs. {missing}"


def test_records_outside_the_chapters_are_cited_by_the_catalogue(
    catalogue: Catalogue, records: dict[int, EntryRecord | CorrectedRecord | OutOfScopeRecord]
) -> None:
    covered = {eq for chapter in CHAPTERS.values() for eq in chapter}
    cited = _cited(catalogue)
    stray = [eq for eq in records if eq not in covered and eq not in cited]
    assert not stray, f"eqs. {stray} are outside the covered chapters and cited by no entry"


def test_every_listed_id_is_an_identity_of_the_catalogue(
    catalogue: Catalogue, records: dict[int, EntryRecord | CorrectedRecord | OutOfScopeRecord]
) -> None:
    known = {identity.id for identity in catalogue.identities}
    for eq, record in records.items():
        if isinstance(record, EntryRecord | CorrectedRecord):
            unknown = [i for i in record.ids if i not in known]
            assert not unknown, f"eq. {eq}: unknown ids {unknown}"
        if isinstance(record, CorrectedRecord):
            assert record.erratum in known, f"eq. {eq}: unknown erratum {record.erratum}"


def test_listed_entries_are_verified_statements_not_errata(
    catalogue: Catalogue, records: dict[int, EntryRecord | CorrectedRecord | OutOfScopeRecord]
) -> None:
    status = {identity.id: identity.status for identity in catalogue.identities}
    for eq, record in records.items():
        if isinstance(record, EntryRecord | CorrectedRecord):
            errata = [i for i in record.ids if status[i] == "erratum"]
            assert not errata, f"eq. {eq}: {errata} are printed errata, not entries"


def test_every_cited_equation_is_in_the_concordance_with_a_consistent_status(
    catalogue: Catalogue, records: dict[int, EntryRecord | CorrectedRecord | OutOfScopeRecord]
) -> None:
    by_id = {identity.id: identity for identity in catalogue.identities}
    for eq, ids in sorted(_cited(catalogue).items()):
        assert eq in records, f"eq. {eq} is cited by {ids} but not in the concordance"
        record = records[eq]
        assert not isinstance(record, OutOfScopeRecord), f"eq. {eq} is cited by {ids} but listed out of scope"
        for identity_id in ids:
            if by_id[identity_id].status == "erratum":
                assert isinstance(record, CorrectedRecord), f"eq. {eq}: erratum {identity_id}, status {record.status}"
                assert record.erratum == identity_id, f"eq. {eq}: erratum {identity_id} is not the record's"
            else:
                assert identity_id in record.ids, f"eq. {eq}: {identity_id} cites it but is not listed"


def test_every_corrected_equation_has_its_printed_form_as_an_erratum(
    catalogue: Catalogue, records: dict[int, EntryRecord | CorrectedRecord | OutOfScopeRecord]
) -> None:
    by_id = {identity.id: identity for identity in catalogue.identities}
    corrected = {eq: r for eq, r in records.items() if isinstance(r, CorrectedRecord)}
    assert corrected, "the concordance lists no corrected equation"
    for eq, record in corrected.items():
        printed = by_id[record.erratum]
        assert printed.status == "erratum", f"eq. {eq}: {record.erratum} is not marked 'status: erratum'"
        assert printed.corrects in record.ids, f"eq. {eq}: {record.erratum} is corrected by {printed.corrects}"
        cites = {int(r.eq) for r in printed.references if r.source == "matrix-cookbook" and r.eq is not None}
        assert eq in cites, f"eq. {eq}: the erratum {record.erratum} does not cite the equation"


def test_every_erratum_of_the_catalogue_is_in_the_concordance(
    catalogue: Catalogue, records: dict[int, EntryRecord | CorrectedRecord | OutOfScopeRecord]
) -> None:
    named = {r.erratum for r in records.values() if isinstance(r, CorrectedRecord)}
    errata = {identity.id for identity in catalogue.identities if identity.status == "erratum"}
    assert errata <= named, f"errata missing from the concordance: {sorted(errata - named)}"


def test_out_of_scope_records_give_a_reason(
    records: dict[int, EntryRecord | CorrectedRecord | OutOfScopeRecord],
) -> None:
    for eq, record in records.items():
        if isinstance(record, OutOfScopeRecord):
            assert len(record.reason.split()) >= 3, f"eq. {eq}: reason {record.reason!r} says too little"
