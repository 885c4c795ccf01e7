"""Verification: data-driven cases with their expected status, levels, and counterexamples."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from identity_book.catalogue.compile import compile_identity
from identity_book.catalogue.loader import load_catalogue
from identity_book.catalogue.records import Catalogue, Identity
from identity_book.verify import runner
from identity_book.verify.checks import Settings, exact_check, numeric_check
from identity_book.verify.results import Result
from identity_book.verify.runner import verify_identity, verify_many

CASES = Path(__file__).parent / "data" / "cases"
EXPECTED = dict(line.split(": ", 1) for line in (CASES / "expected.txt").read_text().splitlines() if line.strip())


@pytest.fixture(scope="module")
def results() -> dict[str, Result]:
    catalogue = load_catalogue(CASES)
    # a generous symbolic budget: the expected strengths must not depend on how loaded the machine is
    return {r.id: r for r in verify_many(catalogue.identities, Settings(budget_symbolic=5.0), jobs=2)}


@pytest.fixture(scope="module")
def catalogue():  # type: ignore[no-untyped-def]
    return load_catalogue(CASES)


@pytest.mark.parametrize(("ident", "expected"), sorted(EXPECTED.items()))
def test_status_and_strength(results: dict[str, Result], ident: str, expected: str) -> None:
    status, _, strength = expected.partition(" ")
    result = results[ident]
    assert result.status == status, result.message
    if strength:
        assert result.strength == strength, result.checks


def test_every_case_has_an_expectation(results: dict[str, Result]) -> None:
    assert set(results) == set(EXPECTED)


@pytest.mark.parametrize("ident", sorted(k for k, v in EXPECTED.items() if v == "refuted"))
def test_refutations_carry_a_small_exact_counterexample(results: dict[str, Result], catalogue, ident: str) -> None:  # type: ignore[no-untyped-def]
    cx = results[ident].counterexample
    assert cx is not None and cx.lhs != cx.rhs
    if cx.exact is not True:  # sides outside exact arithmetic (eigenvalues): floats at integer inputs
        assert results[ident].checks["exact"].detail.startswith("not exact")
        assert cx.residual > cx.tolerance
    assert all(1 <= v <= 3 for k, v in cx.sizes.items() if k in "mnpk")
    generic = {v.name for v in catalogue.get(ident).variables if not v.properties and v.rank is None}
    complex_vars = {v.name for v in catalogue.get(ident).variables if v.complex}
    for name, value in cx.values.items():
        entries = [x for row in value for x in row] if isinstance(value, list) else [value]
        if name in generic and name in complex_vars:  # Gaussian integers a + bi with a, b in -2..2
            parts = [_gaussian(x) for x in entries]
            assert all(
                -2 <= z.real <= 2 and -2 <= z.imag <= 2 and z == complex(round(z.real), round(z.imag)) for z in parts
            )
        elif name in generic:  # entries in -2..2; structured ones are built from such entries
            assert all(isinstance(x, int) and -2 <= x <= 2 for x in entries)
        else:
            assert all(isinstance(x, int) or "/" in x for x in entries)


def test_numeric_level_alone_catches_a_one_percent_error(catalogue) -> None:  # type: ignore[no-untyped-def]
    c = compile_identity(catalogue.get("det-scaling-one-percent-off"))
    level = numeric_check(c, Settings())
    assert level.outcome == "failed"
    assert level.counterexample is not None
    # the floating disagreement is confirmed at the same point with 50 digits
    assert level.counterexample.digits == 50
    assert level.counterexample.residual > level.counterexample.tolerance


def test_numeric_level_uses_distinct_rectangular_sizes(catalogue) -> None:  # type: ignore[no-untyped-def]
    c = compile_identity(catalogue.get("jacobian-axb"))
    level = numeric_check(c, Settings())
    assert level.outcome == "passed"
    assert len(level.sizes) >= 2
    assert any(len(set(s.values())) == len(s) for s in level.sizes)
    assert level.max_rel_error is not None and level.max_rel_error < 1e-6


def test_exact_level_has_no_tolerance(catalogue) -> None:  # type: ignore[no-untyped-def]
    c = compile_identity(catalogue.get("woodbury"))
    level = exact_check(c, Settings())
    assert level.outcome == "passed" and level.max_rel_error == 0.0


def test_symbolic_level_says_what_was_proved(results: dict[str, Result]) -> None:
    detail = results["schur-determinant"].checks["symbolic"].detail  # beyond the prover: a block matrix
    assert detail is not None and detail.startswith("proved for ")


def test_a_prover_proof_skips_the_symbolic_level_and_keeps_its_certificate(results: dict[str, Result]) -> None:
    result = results["jacobian-axb"]
    assert result.checks["prover"].outcome == "passed" and result.strength == "proved"
    assert result.checks["symbolic"].outcome == "skipped" and result.checks["exact"].outcome == "passed"
    assert result.proof is not None and result.proof["lhs"] == result.proof["rhs"]


def test_seed_changes_the_points_not_the_verdict(catalogue) -> None:  # type: ignore[no-untyped-def]
    idents = [catalogue.get("quadratic-gradient-needs-symmetry"), catalogue.get("woodbury")]
    for seed in (1, 2):
        out = {r.id: r.status for r in verify_many(idents, Settings(seed=seed))}
        assert out == {"quadratic-gradient-needs-symmetry": "refuted", "woodbury": "verified"}


def test_a_runaway_level_is_stopped_by_its_budget() -> None:
    import time

    from identity_book.verify.checks import timed

    def forever() -> None:
        while True:
            sum(range(1000))

    start = time.perf_counter()
    result = timed("symbolic", 0.2, forever)
    assert result.outcome == "inconclusive" and "budget" in (result.detail or "")
    assert time.perf_counter() - start < 5


def _crash_on_one(args: tuple[Identity, Settings]) -> Result:
    """The worker's function, killed (as by a segfault or the OOM killer) on one identity."""
    if args[0].id == CRASHING:
        os.kill(os.getpid(), signal.SIGKILL)
    return verify_identity(*args)


CRASHING = "commutation-vec"


def test_a_worker_that_dies_costs_one_inconclusive_result(
    catalogue: Catalogue, results: dict[str, Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crashed worker breaks the process pool: the identity it was verifying is inconclusive
    (so the run fails), every other one is verified as without the crash."""
    idents = list(catalogue.identities)[:12]
    assert CRASHING in [i.id for i in idents]
    monkeypatch.setattr(runner, "_work", _crash_on_one)
    got = {r.id: r for r in verify_many(idents, Settings(budget_symbolic=5.0), jobs=2)}
    assert list(got) == [i.id for i in idents]
    assert got[CRASHING].status == "inconclusive" and "worker process died" in got[CRASHING].message
    assert not got[CRASHING].ok
    for ident in idents:
        if ident.id != CRASHING:
            assert got[ident.id].status == results[ident.id].status, ident.id


def _slow(args: tuple[Identity, Settings]) -> Result:
    time.sleep(0.3)
    return verify_identity(*args)


@pytest.mark.parametrize("jobs", [1, 2])
def test_identities_past_the_time_limit_are_inconclusive_and_not_cached(
    catalogue: Catalogue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    """A catalogue of many slow entries cannot hold a run for hours: what is not reached within
    the time limit is inconclusive (so the run fails), and verified again next time."""
    from identity_book.verify.cache import Cache

    idents = list(catalogue.identities)[:12]
    monkeypatch.setattr(runner, "_work", _slow)
    monkeypatch.setattr(runner, "verify_identity", lambda i, s: _slow((i, s)))
    cache = Cache(tmp_path)
    got = verify_many(idents, Settings(), jobs=jobs, cache=cache, time_limit=0.5)
    late = [r for r in got if r.status == "inconclusive" and "time limit of 0.5 s" in r.message]
    assert 4 <= len(late) < len(idents)
    assert [r.id for r in got] == [i.id for i in idents]
    assert all(cache.get(i, Settings()) is None for i in idents if i.id in {r.id for r in late})
    assert all(cache.get(i, Settings()) is not None for i in idents if i.id not in {r.id for r in late})


def _gaussian(x: int | str) -> complex:
    """A counterexample entry (an integer, or a Gaussian integer printed as '1-2i', 'i', '-i')."""
    if isinstance(x, int):
        return complex(x)
    text = x.replace("i", "j")
    if text[:-1] in ("", "-") or text[-2] in "+-":
        text = text[:-1] + "1j"
    return complex(text)


def test_the_result_cache_keeps_itself_out_of_git(catalogue: Catalogue, tmp_path: Path) -> None:
    from identity_book.verify.cache import Cache

    folder = tmp_path / ".identity-book-cache"
    verify_many(list(catalogue.identities)[:1], Settings(), cache=Cache(folder))
    assert (folder / ".gitignore").read_text().splitlines()[-1] == "*"
    assert len(list(folder.rglob("*.json"))) == 1
