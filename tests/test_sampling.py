"""Sample points: every declared property holds, and generic matrices are really generic."""

from __future__ import annotations

import numpy as np
import pytest

from identity_book.errors import Location
from identity_book.model import Variable
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
