"""The shipped catalogue: everything verifies, and every derivative identity has a checked derivation."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from identity_book.catalogue.compile import compile_identity
from identity_book.catalogue.loader import load_catalogue
from identity_book.verify.cache import SHIPPED_IN_CHECKOUT, Cache, shipped_results
from identity_book.verify.checks import Settings
from identity_book.verify.generator import is_derivative
from identity_book.verify.results import Result, Strength
from identity_book.verify.runner import verify_many

ROOT = Path(__file__).parents[1]
BUDGETED = {Strength.PROVED_AT_SIZES, Strength.EXACT}


@pytest.fixture(scope="module")
def results() -> dict[str, Result]:
    catalogue = load_catalogue(ROOT / "identities")
    return {r.id: r for r in verify_many(catalogue.identities, Settings(), jobs=2)}


@pytest.mark.slow
def test_every_identity_is_verified_or_an_expected_erratum(results: dict[str, Result]) -> None:
    bad = {i: f"{r.status}: {r.message}" for i, r in results.items() if not r.ok}
    assert not bad


@pytest.mark.slow
def test_every_derivative_identity_has_a_verified_derivation(results: dict[str, Result]) -> None:
    catalogue = load_catalogue(ROOT / "identities")
    missing = []
    for identity in catalogue:
        if identity.status == "erratum" or not is_derivative(compile_identity(identity).lhs):
            continue
        derivation = results[identity.id].derivation
        if derivation is None or derivation.outcome != "passed":
            missing.append(identity.id)
    assert not missing


@pytest.mark.slow
def test_numeric_strength_only_with_a_reason(results: dict[str, Result]) -> None:
    numeric = {i: r.message for i, r in results.items() if r.strength == "numeric"}
    assert all(message.startswith("exact level: not exact: ") for message in numeric.values()), numeric


def test_the_shipped_results_are_those_of_the_current_catalogue() -> None:
    """``ledger/verified.json.gz`` has one result per identity under its current key; when this
    fails, the catalogue or the verifier changed since it was written: run
    ``identity-book verify --ship``."""
    catalogue = load_catalogue(ROOT / "identities")
    shipped = shipped_results(SHIPPED_IN_CHECKOUT)
    assert shipped, f"{SHIPPED_IN_CHECKOUT} is missing or from another package or verifier version"
    keys = {Cache.key(i, Settings()): i.id for i in catalogue}
    assert sorted(keys.values()) == sorted(r["id"] for r in shipped.values())
    stale = sorted(keys[k] if k in keys else shipped[k]["id"] for k in set(keys) ^ set(shipped))
    assert not stale, f"stale shipped results for {stale}: run identity-book verify --ship"


@pytest.mark.slow
def test_the_shipped_results_agree_with_a_fresh_verification(results: dict[str, Result], tmp_path: Path) -> None:
    cache = Cache(tmp_path, shipped_results(SHIPPED_IN_CHECKOUT))
    differ = []
    for ident in load_catalogue(ROOT / "identities"):
        got = cache.get(ident, Settings())
        assert got is not None and got.cached
        fresh = results[ident.id]
        # the symbolic level has a wall-clock budget: on a busy machine it may stop before its
        # proof at small sizes, leaving the exact level's strength; any other difference counts
        budgeted = {got.strength, fresh.strength} <= BUDGETED
        if (got.status, got.expected) != (fresh.status, fresh.expected) or (
            got.strength != fresh.strength and not budgeted
        ):
            differ.append(f"{ident.id}: shipped {got.status} {got.strength}, fresh {fresh.status} {fresh.strength}")
    assert not differ


def test_a_changed_identity_does_not_take_the_shipped_result(tmp_path: Path) -> None:
    ident = load_catalogue(ROOT / "identities").identities[0]
    cache = Cache(tmp_path, shipped_results(SHIPPED_IN_CHECKOUT))
    assert cache.get(ident, Settings()) is not None
    assert cache.get(replace(ident, rhs=f"2 * ({ident.rhs})"), Settings()) is None
    assert cache.get(ident, Settings(seed=1)) is None
    assert Cache(tmp_path).get(ident, Settings()) is None  # a checkout reads no shipped file


def test_every_text_of_the_shipped_catalogue_prints_in_the_pdf() -> None:
    """Titles, notes, conditions and concordance notes use only characters the PDF can set, so a
    stray character is caught here, not only by the slow full PDF build."""
    from identity_book.handbook.concordance import load_concordance
    from identity_book.handbook.generate import unprintable_text

    catalogue = load_catalogue(ROOT / "identities")
    concordance = load_concordance(ROOT / "concordance" / "matrix-cookbook.yaml", catalogue)
    assert [f"{d.location}: {d.message}" for d in unprintable_text(catalogue, concordance)] == []
