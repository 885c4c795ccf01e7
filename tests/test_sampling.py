"""Sample points: every declared property holds, and generic matrices are really generic."""

from __future__ import annotations

import numpy as np
import pytest

from identity_book.catalogue.records import Variable
from identity_book.errors import Location
from identity_book.verify.sampling import has_properties, sample_variable

PROPERTY_SETS = [
    (),
    ("symmetric",),
    ("spd",),
    ("invertible",),
    ("orthogonal",),
    ("orthogonal", "symmetric"),
    ("diagonal",),
    ("diagonal", "spd"),
    ("lower_triangular",),
    ("upper_triangular", "invertible"),
    ("skew_symmetric",),
    ("symmetric", "invertible"),
]


@pytest.mark.parametrize("props", PROPERTY_SETS, ids=lambda p: "+".join(p) or "generic")
@pytest.mark.parametrize("exact_mode", [True, False], ids=["exact", "float"])
@pytest.mark.parametrize("n", [2, 3, 4])
def test_samples_have_their_properties(props: tuple[str, ...], exact_mode: bool, n: int) -> None:
    var = Variable("X", Location("t.yaml"), shape=("n", "n"), properties=props)
    rng = np.random.default_rng(n)
    for _ in range(5):
        m = sample_variable(var, (n, n), rng, exact_mode)
        assert m.shape == (n, n)
        assert has_properties(m, set(props), exact_mode)


@pytest.mark.parametrize("exact_mode", [True, False], ids=["exact", "float"])
def test_generic_square_samples_have_no_accidental_structure(exact_mode: bool) -> None:
    var = Variable("X", Location("t.yaml"), shape=("n", "n"))
    rng = np.random.default_rng(0)
    for _ in range(50):
        m = sample_variable(var, (2, 2), rng, exact_mode)
        for structure in ("symmetric", "lower_triangular", "upper_triangular", "skew_symmetric"):
            assert not has_properties(m, {structure}, exact_mode)


def test_exact_orthogonal_samples_are_rational_and_not_only_rotations() -> None:
    var = Variable("Q", Location("t.yaml"), shape=("n", "n"), properties=("orthogonal",))
    rng = np.random.default_rng(1)
    from identity_book.verify import exact

    dets = {exact.det(sample_variable(var, (3, 3), rng, True)) for _ in range(20)}
    assert dets == {1, -1}


def _compiled(variables: dict[str, object], lhs: str, rhs: str, constraints: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    from identity_book.catalogue.compile import compile_identity
    from identity_book.catalogue.records import Identity, Variable
    from identity_book.errors import Location

    here = Location("t.yaml", 1, 1)
    vs = tuple(Variable(k, here, shape=tuple(v)) for k, v in variables.items())  # type: ignore[call-overload]
    return compile_identity(Identity("t", "t", here, vs, lhs, rhs, "c", "s", constraints=constraints))


def test_every_dimension_takes_two_sizes_of_two_or_more() -> None:
    from identity_book.verify.sampling import size_assignments

    c = _compiled(
        {"A": ["p", "q"], "X": ["m", "n"]},
        "jacobian(kron(A, X), X)",
        "kron(kron(I(q), K(n, p)), I(m)) @ kron(vec(A), I(m * n))",
    )
    for count, high in ((3, 5), (2, 4)):  # the numeric level, and the exact one without its cost cap
        plan = size_assignments(c, count, high=high)
        for d in c.dims:
            values = {s[d] for s in plan.assignments}
            assert len(values) >= 2 and min(values) >= 2, (d, plan)
        assert plan.note() is None


def test_a_dimension_is_one_only_when_forced_and_then_said() -> None:
    from identity_book.verify.sampling import size_assignments

    c = _compiled({"x": ["n"], "y": ["k"]}, "x @ y.T @ y", "x * tr(y.T @ y)", ("k == 1",))
    plan = size_assignments(c, 3)
    assert all(s["k"] == 1 and s["n"] >= 2 for s in plan.assignments)
    assert plan.forced == ("k",) and "k = 1" in (plan.note() or "")


def test_square_only_entries_never_use_size_one() -> None:
    from identity_book.verify.sampling import size_assignments

    c = _compiled({"A": ["n", "n"]}, "kron(kron(A, A), A)", "kron(A, kron(A, A))")
    assert sorted(s["n"] for s in size_assignments(c, 3).assignments) == [2, 3, 4]


def test_exact_samples_are_generic_in_rank() -> None:
    import numpy as np

    from identity_book.catalogue.records import Variable
    from identity_book.errors import Location
    from identity_book.verify import exact
    from identity_book.verify.sampling import sample_variable

    rng = np.random.default_rng(0)
    thin = Variable("A", Location("t.yaml", 1, 1), shape=("m", "r"))
    # entries in -1..1 make rank-deficient draws common; none may come out
    assert all(exact.rank(sample_variable(thin, (4, 2), rng, True, bound=1)) == 2 for _ in range(100))
    low = Variable("B", Location("t.yaml", 1, 1), shape=("m", "n"), rank="k")
    assert all(exact.rank(sample_variable(low, (4, 3), rng, True, bound=2, rank=1)) == 1 for _ in range(20))


def test_numbers_past_a_thousand_digits_are_shown_abbreviated() -> None:
    from fractions import Fraction

    from identity_book.verify.sampling import to_plain

    # str() of an int past 4300 digits raises; the report must still show the value
    assert to_plain(10**5000 + 3) == "≈ 1.000000e+5000"
    assert to_plain(-Fraction(10**3000, 7)) == "≈ -1.428571e+2999"
    assert to_plain(Fraction(1, 10**2000)) == "≈ 1.000000e-2000"
    assert to_plain(Fraction(3, 4)) == "3/4"
    assert to_plain(10**999) == 10**999


def test_extra_sizes_put_every_two_dimensions_in_both_orders() -> None:
    from itertools import permutations

    from identity_book.verify.sampling import extra_sizes, size_assignments

    c = _compiled({"A": ["m", "n"], "B": ["n", "p"]}, "A @ B", "A @ B")
    plan = size_assignments(c, 3)
    extras = extra_sizes(c, plan)
    assert {"m": 3, "n": 3, "p": 3} in [*plan.assignments, *extras]
    every = [*plan.assignments, *extras]
    for a, b in permutations("mnp", 2):
        assert any(s[a] < s[b] for s in every), (a, b)
    assert all(min(s.values()) >= 2 for s in extras) and len(extras) <= 5
