"""The shipped catalogue: everything verifies, and every derivative identity has a checked derivation."""

from __future__ import annotations

from pathlib import Path

import pytest

from identity_book.catalogue.compile import compile_identity
from identity_book.catalogue.loader import load_catalogue
from identity_book.verify.checks import Settings
from identity_book.verify.generator import is_derivative
from identity_book.verify.results import Result
from identity_book.verify.runner import verify_many

ROOT = Path(__file__).parents[1]


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
