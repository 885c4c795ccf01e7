"""Mutation test: every false mutant of a catalogue entry's right side is refuted exactly,
and every unmutated entry verifies at the exact level (or says why it cannot)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from identity_book.catalogue.compile import compile_identity
from identity_book.catalogue.loader import load_catalogue
from identity_book.expr.parser import Scope, dim_symbol, parse
from identity_book.verify.checks import Settings, exact_check, numeric_check
from identity_book.verify.mutate import mutants

ROOT = Path(__file__).parents[1]
CATALOGUE = load_catalogue(ROOT / "identities")
# equalities only: a mutant of an inequality (a larger right side) is often still true
ENTRIES = [i for i in CATALOGUE if i.status is None and not i.is_inequality]
FAST = Settings(numeric_sizes=2, numeric_points=1, exact_sizes=2, exact_points=1)


def test_the_mutation_test_sees_the_whole_catalogue() -> None:
    assert len(ENTRIES) >= 40


@pytest.mark.slow
@pytest.mark.parametrize("identity", ENTRIES, ids=lambda i: i.id)
def test_false_mutants_are_refuted(identity) -> None:  # type: ignore[no-untyped-def]
    c = compile_identity(identity)
    exact_possible = exact_check(c, FAST).outcome == "passed"
    survivors, killed = [], 0
    for kind, text in mutants(identity.rhs, c.scope):
        if kind == "a factor that is 1 at size 2":
            continue  # caught across both levels' sizes: the property test below covers it end to end
        mutant = parse(text, c.scope)
        numeric = numeric_check(c, FAST, c.lhs, mutant)
        if numeric.outcome != "failed":
            continue  # equal at random points: not a false mutant (e.g. a transpose of a symmetric matrix)
        if not exact_possible:
            killed += 1
            continue
        verdict = exact_check(c, FAST, c.lhs, mutant)
        # the exact level's capped sizes may all be square; the numeric failure, confirmed at 50
        # digits at sizes the exact level does not reach, refutes the mutant on its own
        confirmed = numeric.counterexample is not None and numeric.counterexample.digits == 50
        if verdict.outcome == "failed" or confirmed:
            killed += 1
        else:
            survivors.append(f"{kind}: {text} ({verdict.outcome}: {verdict.detail})")
    assert not survivors, survivors


@pytest.mark.slow
def test_unmutated_entries_verify_exactly() -> None:
    not_exact = {}
    for identity in ENTRIES:
        level = exact_check(compile_identity(identity), Settings())
        if level.outcome != "passed":
            not_exact[identity.id] = level.detail or level.outcome
    # What may stay numeric: values outside exact arithmetic, each with its stated reason.
    allowed = (
        "not exact: expm",
        "not exact: logm",
        "not exact: sinm",
        "not exact: cosm",
        "not exact: sqrtm",
        "not exact: powm",
        "not exact: pinv",
        "not exact: derivatives of pinv",
        "not exact: eigenvalues",
        "not exact: singular values",
        "not exact: singular vectors",
        "not exact: eigenvectors",
        "not exact: the Cholesky factor",
        "not exact: the DFT matrix",
        "not exact: the Schur",
    )
    assert all(reason.startswith(allowed) for reason in not_exact.values()), not_exact


def test_mutants_cover_the_kinds_of_printed_mistakes() -> None:
    n = dim_symbol("n")
    scope = Scope({"A": (n, n), "B": (n, n)}, frozenset({"n"}))
    kinds = {k for k, _ in mutants("kron(B.T, A) + 2 * kron(A, B).T", scope)}
    assert {"drop a transpose", "add a transpose", "swap the factors", "drop a term", "flip a sign"} <= kinds
    assert "change a factor of 2" in kinds


def _false_by_oracle(c, rhs, rng) -> bool:  # type: ignore[no-untyped-def]
    """An oracle independent of the verifier's size choice: random sizes 2..4, Gaussian points."""
    from identity_book.errors import EvaluationError, LimitError
    from identity_book.verify.checks import _float_residual
    from identity_book.verify.sampling import NoSample, sample_point

    differ = 0
    for _ in range(40):
        sizes = {d: int(rng.integers(2, 5)) for d in c.dims}
        try:
            if not all(con.holds(sizes) for con in c.constraints if not c.params):
                continue
            env, ints = sample_point(c, sizes, rng, exact_mode=False)
            rel, _, _ = _float_residual(c.lhs, rhs, env, ints)
        except (NoSample, EvaluationError, LimitError, ArithmeticError, ValueError, KeyError):
            continue  # a size beyond the evaluator's limits is no point for the oracle either
        differ += rel > 1e-3
        if differ == 2:
            return True
    return False


@pytest.mark.slow
def test_random_false_variants_never_verify() -> None:
    """Property: mutants (swapped K, kron and product arguments, dropped transposes, factors that
    are 1 at size 2) that an independent oracle finds false are never reported verified."""
    import numpy as np

    from identity_book.verify.runner import verify_identity

    rng = np.random.default_rng(11)
    picked = [ENTRIES[int(k)] for k in rng.choice(len(ENTRIES), size=80, replace=False)]
    picked += [i for i in ENTRIES if "K(" in i.rhs or "kron(" in i.rhs][:20]
    checked, kinds = 0, set()
    for identity in picked:
        c = compile_identity(identity)
        options = list(mutants(identity.rhs, c.scope))
        for k in rng.choice(len(options), size=min(2, len(options)), replace=False):
            kind, text = options[int(k)]
            mutant = parse(text, c.scope)
            if not _false_by_oracle(c, mutant, rng):
                continue
            false_entry = replace(identity, id=f"{identity.id}-mutant", rhs=text, derivation=())
            result = verify_identity(false_entry, Settings(symbolic=False))
            assert result.status != "verified", (identity.id, kind, text, result.checks)
            checked += 1
            kinds.add(kind)
    assert checked >= 60 and {"swap the factors", "a factor that is 1 at size 2", "drop a transpose"} <= kinds
