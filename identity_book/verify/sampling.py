"""Sample points: sizes for the dimensions, and matrices that have the declared properties.

Floating samples are Gaussian; exact samples are small integers, or rationals where a property
needs them (Cayley transforms for orthogonal matrices, Householder reflections for symmetric
orthogonal ones). Every sample is checked against its properties before it is used.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

import numpy as np

from identity_book.catalogue.compile import Compiled
from identity_book.catalogue.records import RANK_PROPERTIES, Variable
from identity_book.errors import EvaluationError
from identity_book.expr.nodes import concrete
from identity_book.verify import complexnum, exact

MAX_DIM = 5
MAX_ENTRIES_PER_VARIABLE = 64
MAX_NODE_ENTRIES = 4096  # the evaluator's own limit
CHEAP_ENTRIES = 144


class NoSample(EvaluationError):
    """No sample satisfies the properties or constraints."""


@dataclass(frozen=True)
class SizePlan:
    """The size assignments of one check level, and the dimensions that are 1 in all of them."""

    assignments: list[dict[str, int]]
    forced: tuple[str, ...] = ()  # 1 because the constraints allow nothing else
    shrunk: tuple[str, ...] = ()  # 1 because larger sizes exceed the level's size limit

    def note(self) -> str | None:
        notes = []
        if self.forced:
            notes.append(", ".join(f"{d} = 1" for d in self.forced) + " (the constraints allow no other size)")
        if self.shrunk:
            notes.append(", ".join(f"{d} = 1" for d in self.shrunk) + " (larger sizes exceed the size limit)")
        return "; ".join(notes) or None


def size_assignments(
    c: Compiled, count: int, high: int = MAX_DIM, max_entries: int = MAX_NODE_ENTRIES, shrink: bool = True
) -> SizePlan:
    """Up to ``count`` assignments of the dimensions, chosen so that mistakes show.

    A dimension is 1 only when the constraints force it, or (with ``shrink``) when every larger
    size exceeds ``max_entries``: a dimension of 1 turns commutation matrices into identities
    and vectors into scalars. The assignments are picked greedily so that every dimension takes
    at least two distinct values of 2 or more where it can; cheap assignments (largest
    intermediate at most ``CHEAP_ENTRIES`` entries) come first, rectangular before square.
    """
    dims = c.dims
    if not dims:
        return SizePlan([{}])
    costs = _admissible(c, high)
    growable = [any(v[i] >= 2 for v in costs) for i in range(len(dims))]
    ones = {
        v: sum(x == 1 and g for x, g in zip(v, growable, strict=True))
        for v, cost in costs.items()
        if cost <= max_entries
    }
    if not ones:
        raise NoSample(f"every assignment the constraints allow makes a matrix larger than {max_entries} entries")
    fewest = min(ones.values())
    if fewest and not shrink:
        raise NoSample(f"every assignment without a dimension of 1 makes a matrix larger than {max_entries} entries")
    pool = sorted(
        (v for v in ones if ones[v] == fewest), key=lambda v: (costs[v] > CHEAP_ENTRIES, -len(set(v)), costs[v])
    )
    rank = {v: k for k, v in enumerate(pool)}
    seen: list[set[int]] = [set() for _ in dims]
    chosen: list[tuple[int, ...]] = []

    def gain(v: tuple[int, ...]) -> int:
        return sum(len(s) < 2 and x >= 2 and x not in s for x, s in zip(v, seen, strict=True))

    def spread(v: tuple[int, ...]) -> bool:
        return all(sum(a != b for a, b in zip(v, old, strict=True)) >= min(2, len(dims)) for old in chosen)

    while len(chosen) < min(count, len(pool)):
        best = max((v for v in pool if v not in chosen), key=lambda v: (gain(v), spread(v), -rank[v]))
        chosen.append(best)
        for x, s in zip(best, seen, strict=True):
            s.add(x)
    forced = tuple(d for d, g in zip(dims, growable, strict=True) if not g)
    shrunk = tuple(d for i, d in enumerate(dims) if growable[i] and all(v[i] == 1 for v in chosen))
    return SizePlan([dict(zip(dims, v, strict=True)) for v in chosen], forced, shrunk)


MAX_EXTRA = 4


def extra_sizes(c: Compiled, plan: SizePlan) -> list[dict[str, int]]:
    """Assignments beyond ``plan`` for the statements that fail only at some of them: one where
    the dimensions coincide as much as the constraints allow, all 3 if they can (tr K(m, n) =
    1 + gcd(m - 1, n - 1) is 2 at m = n = 3 only), then up to :data:`MAX_EXTRA` more so that
    every two dimensions come in both orders where the constraints allow (rank(A B) >= rank(A)
    fails only when B's rank is the smaller). Only cheap ones, without a dimension of 1."""
    if len(c.dims) < 2:
        return []
    costs = _admissible(c, MAX_DIM)
    cheap = sorted(
        (v for v, cost in costs.items() if cost <= CHEAP_ENTRIES and min(v) >= 2), key=lambda v: (sum(v), costs[v])
    )
    if not cheap:
        return []
    chosen = [tuple(a[d] for d in c.dims) for a in plan.assignments]
    square = min(cheap, key=lambda v: (len(set(v)), sum(abs(x - 3) for x in v), costs[v]))
    extras = [] if square in chosen else [square]
    pairs = list(itertools.permutations(range(len(c.dims)), 2))

    def orders(v: tuple[int, ...]) -> set[tuple[int, int]]:
        return {(i, j) for i, j in pairs if v[i] < v[j]}

    missing = set().union(*(orders(v) for v in cheap)) - set().union(*(orders(v) for v in [*chosen, *extras]))
    while missing and len(extras) < 1 + MAX_EXTRA:
        best = max(cheap, key=lambda v: len(orders(v) & missing))
        if not orders(best) & missing:
            break
        extras.append(best)
        missing -= orders(best)
    return [dict(zip(c.dims, v, strict=True)) for v in extras]


MAX_GRID = 64


def param_grid(c: Compiled, sizes: dict[str, int]) -> list[dict[str, int]]:
    """Integer parameters systematically, at most :data:`MAX_GRID` combinations meeting the
    constraints: every value of a range of up to 8 values (the ends and the middle of a longer
    one), in every combination, so i = j and the one failing k are not left to chance."""
    if not c.params:
        return []
    choices = []
    for lo, hi in c.params.values():
        span = range(lo, hi + 1)
        choices.append(list(span) if len(span) <= 8 else sorted({lo, lo + 1, (lo + hi) // 2, hi - 1, hi}))
    grid = []
    for combo in itertools.product(*choices):
        values = dict(zip(c.params, combo, strict=True))
        if all(con.holds({**sizes, **values}) for con in c.constraints):
            grid.append(values)
    step = max(1, -(-len(grid) // MAX_GRID))
    return grid[::step]


def _admissible(c: Compiled, high: int) -> dict[tuple[int, ...], int]:
    """Every assignment with values 1..high that meets the constraints, with its largest
    intermediate matrix (in entries)."""
    dims = c.dims
    names = set(dims)
    # a shape in a bound index (I(k) inside sum(... for k in ...)) is sized when evaluated
    shapes = {
        n.shape
        for n in (*c.lhs.walk(), *c.rhs.walk())
        if n.shape is not None and all(str(x) in names for d in n.shape for x in d.free_symbols)
    }
    while high > 2 and high ** len(dims) > 3000:
        high -= 1
    costs: dict[tuple[int, ...], int] = {}
    for values in itertools.product(range(1, high + 1), repeat=len(dims)):
        sizes = dict(zip(dims, values, strict=True))
        if not all(con.holds({**sizes, **_param_low(c)}) for con in c.constraints if _only_dims(con, dims)):
            continue
        if not _rank_ok(c, sizes):
            continue
        big = not _entries_ok(c, sizes)
        costs[values] = (
            MAX_NODE_ENTRIES + 1
            if big
            else max((r * k for r, k in (concrete(s, sizes) or (1, 1) for s in shapes)), default=1)
        )
    if not costs:
        raise NoSample(f"no assignment of the dimensions up to {high} satisfies the constraints")
    return costs


def _only_dims(con: Any, dims: tuple[str, ...]) -> bool:
    import ast

    return all(n.id in dims for n in ast.walk(con.tree) if isinstance(n, ast.Name))


def _param_low(c: Compiled) -> dict[str, int]:
    return {name: lo for name, (lo, _) in c.params.items()}


def _entries_ok(c: Compiled, sizes: dict[str, int]) -> bool:
    for var in c.identity.variables:
        shape = c.scope.shapes.get(var.name)
        dims = concrete(shape, sizes)
        if dims is not None and dims[0] * dims[1] > MAX_ENTRIES_PER_VARIABLE:
            return False
    return True


def sample_params(c: Compiled, sizes: dict[str, int], rng: np.random.Generator) -> dict[str, int]:
    """Integer parameters drawn from their ranges, meeting every constraint.

    Distinct values are preferred, as for sizes: indices that coincide (i = j) hide a swapped
    index or a dropped transpose.
    """
    for attempt in range(200):
        values = {name: int(rng.integers(lo, hi + 1)) for name, (lo, hi) in c.params.items()}
        if attempt < 100 and len(set(values.values())) < len(values):
            continue
        if all(con.holds({**sizes, **values}) for con in c.constraints):
            return values
    raise NoSample("no integer parameters satisfy the constraints")


# -- matrices with properties ---------------------------------------------------------------
class _Draw:
    """Random entries for one kind of arithmetic."""

    def __init__(self, rng: np.random.Generator, exact_mode: bool, bound: int, scale: float = 1.0) -> None:
        self.rng, self.exact, self.bound, self.scale = rng, exact_mode, bound, scale

    def matrix(self, rows: int, cols: int, nonzero: bool = False) -> np.ndarray:
        if not self.exact:
            m = self.scale * self.rng.standard_normal((rows, cols))
            if nonzero:
                m = np.sign(m) * (0.5 + np.abs(m))
            return m
        values = self.rng.integers(-self.bound, self.bound + 1, size=(rows, cols))
        if nonzero:
            values = np.where(values == 0, 1, values)
        return exact.to_fraction_array(values)

    def eye(self, n: int) -> np.ndarray:
        return exact.identity(n) if self.exact else np.eye(n)

    def inv(self, m: np.ndarray) -> np.ndarray:
        return exact.inv(m) if self.exact else np.linalg.inv(m)

    def diag(self, values: np.ndarray) -> np.ndarray:
        n = values.shape[0]
        out = self.matrix(n, n) * 0
        for i in range(n):
            out[i, i] = values[i, 0]
        return out


def _permutation(n: int, draw: _Draw) -> np.ndarray:
    """A random permutation matrix, not the identity when n > 1 (exact 0 and 1 entries)."""
    order = np.arange(n)
    while n > 1 and np.all(order == np.arange(n)):
        order = draw.rng.permutation(n)
    out = draw.matrix(n, n) * 0
    for i, j in enumerate(order):
        out[i, j] = out[i, j] + 1
    return out


def _toeplitz(props: set[str], n: int, draw: _Draw) -> np.ndarray:
    """T_ij = t_(i-j) for random t_(1-n), ..., t_(n-1); symmetric or triangular when asked."""
    t = draw.matrix(2 * n - 1, 1, nonzero=bool({"invertible"} & props))
    out = draw.matrix(n, n) * 0
    for i in range(n):
        for j in range(n):
            k = abs(i - j) if "symmetric" in props else i - j
            zero = ("lower_triangular" in props and k < 0) or ("upper_triangular" in props and k > 0)
            out[i, j] = out[i, j] * 0 if zero else t[k + n - 1, 0]
    return out


def _structured(props: set[str], n: int, draw: _Draw) -> np.ndarray:
    if "permutation" in props:
        return _permutation(n, draw)
    if "toeplitz" in props:
        return _toeplitz(props, n, draw)
    if "orthogonal" in props:
        if "diagonal" in props or "spd" in props:
            signs = draw.matrix(n, 1, nonzero=True)
            signs = signs / abs(signs) if draw.exact else np.sign(signs)
            return draw.eye(n) if "spd" in props else draw.diag(signs)
        v = draw.matrix(n, 1, nonzero=True)
        householder = draw.eye(n) - (v @ v.T) * (2 / (v.T @ v)[0, 0])
        if "symmetric" in props:
            return householder
        s = draw.matrix(n, n)
        skew = s - s.T
        cayley = (draw.eye(n) - skew) @ draw.inv(draw.eye(n) + skew)
        return cayley @ householder if draw.rng.integers(2) else cayley
    diagonal = "diagonal" in props or (
        ("lower_triangular" in props or "upper_triangular" in props)
        and ({"symmetric", "spd"} & props or {"lower_triangular", "upper_triangular"} <= props)
    )
    nonzero = bool({"invertible", "spd"} & props)
    if diagonal:
        d = draw.matrix(n, 1, nonzero=nonzero)
        if "spd" in props:
            d = abs(d) if draw.exact else np.abs(d)
        return draw.diag(d) if "skew_symmetric" not in props else draw.matrix(n, n) * 0
    if "spd" in props:
        b = draw.matrix(n, n)
        return b @ b.T + draw.eye(n)
    if "skew_symmetric" in props:
        b = draw.matrix(n, n)
        return b - b.T
    if "symmetric" in props:
        b = draw.matrix(n, n)
        return b + b.T
    m = draw.matrix(n, n)
    if "lower_triangular" in props or "upper_triangular" in props:
        m = np.tril(m) if "lower_triangular" in props else np.triu(m)
        if nonzero:
            d = draw.matrix(n, 1, nonzero=True)
            for i in range(n):
                m[i, i] = d[i, 0]
    return m


def has_properties(m: np.ndarray, props: set[str], exact_mode: bool) -> bool:
    n = m.shape[0]
    eye = exact.identity(n) if exact_mode else np.eye(n)

    def same(a: np.ndarray, b: np.ndarray) -> bool:
        if exact_mode:
            return bool(all(x == y for x, y in zip(a.flat, b.flat, strict=True)))
        return bool(np.allclose(a, b, atol=1e-10))

    checks = {
        "symmetric": lambda: same(m, m.T),
        "skew_symmetric": lambda: same(m, -m.T),
        "orthogonal": lambda: same(m @ m.T, eye),
        "diagonal": lambda: same(m, np.triu(np.tril(m))),
        "lower_triangular": lambda: same(m, np.tril(m)),
        "upper_triangular": lambda: same(m, np.triu(m)),
        "invertible": lambda: _invertible(m, exact_mode),
        "spd": lambda: same(m, m.T) and _positive_definite(m, exact_mode),
        "toeplitz": lambda: same(m[1:, 1:], m[:-1, :-1]),
        "permutation": lambda: _is_permutation(m),
        "hermitian": lambda: complexnum.complex_property(m, "hermitian", same, eye),
        "skew_hermitian": lambda: complexnum.complex_property(m, "skew_hermitian", same, eye),
        "unitary": lambda: complexnum.complex_property(m, "unitary", same, eye),
    }
    return all(checks[p]() for p in props)


def _is_permutation(m: np.ndarray) -> bool:
    """Entries 0 and 1, exactly one 1 in every row and every column."""
    if not all(x == 0 or x == 1 for x in m.flat):
        return False
    return bool(all(sum(m[i, :]) == 1 for i in range(m.shape[0])) and all(sum(m[:, j]) == 1 for j in range(m.shape[1])))


def _invertible(m: np.ndarray, exact_mode: bool) -> bool:
    if exact_mode:
        return exact.nonzero(exact.det(m))
    return bool(np.linalg.cond(m) < 1e6)


def _positive_definite(m: np.ndarray, exact_mode: bool) -> bool:
    n = m.shape[0]
    if exact_mode:  # Sylvester's criterion
        return all(exact.det(m[:k, :k]) > 0 for k in range(1, n + 1))
    return bool(np.all(np.linalg.eigvalsh((m + m.T) / 2) > 1e-8))


def sample_variable(
    var: Variable,
    shape: tuple[int, int] | None,
    rng: np.random.Generator,
    exact_mode: bool,
    bound: int = 7,
    rank: int | None = None,
    scale: float = 1.0,
) -> Any:
    """One value for ``var`` with its properties, as a float or an exact array or scalar.

    Matrices are generic in rank, exact ones as much as floating ones: full rank for their
    structure (a skew-symmetric matrix of odd size has rank n - 1), or the stated ``rank``.
    ``scale`` widens floating draws (standard normal entries times ``scale``).
    """
    draw = _Draw(rng, exact_mode, bound, scale)
    props = set(var.properties) - set(RANK_PROPERTIES)
    if shape is None:
        value = draw.matrix(1, 1, nonzero=bool(props))[0, 0]
        return abs(value) if "spd" in props else value
    rows, cols = shape
    want = _generic_rank(props, rows, cols) if rank is None else rank
    if want > _generic_rank(props, rows, cols) or (
        rank is not None and rank < min(rows, cols) and props - {"symmetric"}
    ):
        raise NoSample(f"{var.name} cannot have rank {want} with properties {sorted(props) or 'none'}")
    # Without a property a square matrix is generic: no accidental symmetry or triangularity.
    accidental = [{p} for p in STRUCTURE - _implied(props)] if rows == cols > 1 else []
    for _ in range(100):
        m = _with_rank(props, rows, cols, want, draw)
        if exact_mode and exact.rank(m) != want:
            continue
        if rows == cols and not has_properties(m, props, exact_mode):
            continue
        if not any(has_properties(m, a, exact_mode) for a in accidental):
            return m
    raise NoSample(f"could not sample {var.name} with properties {sorted(props)} and rank {want}")


def _generic_rank(props: set[str], rows: int, cols: int) -> int:
    if "skew_symmetric" in props and "diagonal" in props:
        return 0
    if "skew_symmetric" in props and rows % 2:
        return rows - 1
    return min(rows, cols)


def _with_rank(props: set[str], rows: int, cols: int, rank: int, draw: _Draw) -> np.ndarray:
    """A draw of the given shape and structure; a product of thin factors below full rank."""
    if rank < _generic_rank(props, rows, cols):
        left = draw.matrix(rows, rank)
        if "symmetric" in props:
            core = draw.matrix(rank, rank)
            return left @ (core + core.T) @ left.T
        return left @ draw.matrix(rank, cols)
    return _structured(props, rows, draw) if rows == cols else draw.matrix(rows, cols)


def stated_rank(var: Variable, shape: tuple[int, int] | None, sizes: dict[str, int]) -> int | None:
    """The rank ``var`` must have at these sizes (None: generic), from ``rank`` or a property."""
    if shape is None:
        return None
    if var.rank is not None:
        return var.rank if isinstance(var.rank, int) else sizes[var.rank]
    if "full_column_rank" in var.properties:
        return shape[1]
    if "full_row_rank" in var.properties:
        return shape[0]
    return None


def _rank_ok(c: Compiled, sizes: dict[str, int]) -> bool:
    """Whether every stated rank is possible at these sizes."""
    for var in c.identity.variables:
        shape = concrete(c.scope.shapes.get(var.name), sizes)
        want = stated_rank(var, shape, sizes)
        if shape is not None and want is not None and not 0 <= want <= min(shape):
            return False
    return True


STRUCTURE = {"symmetric", "diagonal", "lower_triangular", "upper_triangular", "skew_symmetric"}


def _implied(props: set[str]) -> set[str]:
    """Structure that the declared properties imply (so it is not accidental)."""
    out = set(props)
    if "spd" in props or "diagonal" in props:
        out |= {"symmetric"}
    if "diagonal" in props:
        out |= {"lower_triangular", "upper_triangular"}
    if {"lower_triangular", "upper_triangular"} <= props or (
        {"symmetric"} & out and props & {"lower_triangular", "upper_triangular"}
    ):
        out |= {"diagonal", "symmetric", "lower_triangular", "upper_triangular"}
    if "orthogonal" in props or "permutation" in props:
        out |= STRUCTURE  # Householder, sign and permutation matrices may be symmetric or diagonal
    return out


def sample_point(
    c: Compiled,
    sizes: dict[str, int],
    rng: np.random.Generator,
    exact_mode: bool,
    bound: int = 7,
    differentials: tuple[str, ...] = (),
    scale: float = 1.0,
    params: dict[str, int] | None = None,
) -> tuple[dict[str, Any], dict[str, int]]:
    """Values for every variable, and the integer bindings (dimensions and parameters).

    ``differentials`` names variables that also get a random direction ``d:X`` with the same
    structure (symmetric when X is), for derivation steps. ``scale`` widens floating draws;
    ``params`` fixes the integer parameters instead of drawing them.
    """
    ints = {**sizes, **(sample_params(c, sizes, rng) if params is None else params)}
    env = {}
    for var in c.identity.variables:
        if var.integer is not None or var.distribution is not None:
            continue  # a random variable is averaged over inside E(), Var(), Cov(), never sampled
        shape = concrete(c.scope.shapes[var.name], sizes)
        if var.complex:
            value = complexnum.sample_complex(var, shape, rng, exact_mode, bound, has_properties)
            if value is None:
                raise NoSample(f"could not sample the complex {var.name} with properties {sorted(var.properties)}")
            env[var.name] = value
            continue
        env[var.name] = sample_variable(var, shape, rng, exact_mode, bound, stated_rank(var, shape, sizes), scale)
        if var.name in differentials:
            props = set(var.properties)
            structure = (props & STRUCTURE) | ({"symmetric"} if "spd" in props else set())
            direction = replace(var, properties=tuple(sorted(structure)))
            env[f"d:{var.name}"] = sample_variable(direction, shape, rng, exact_mode, bound)
    return env, ints


MAX_DIGITS = 1000  # an exact number longer than this is shown by its magnitude (Python refuses str() past 4300)


def _digits(x: Fraction | int) -> int:
    q = Fraction(x)
    return int(max(abs(q.numerator).bit_length(), q.denominator.bit_length()) * 0.30103) + 1


def _log10(n: int) -> float:
    shift = max(n.bit_length() - 64, 0)
    return math.log10(n >> shift) + shift * math.log10(2)


def _abbreviated(q: Fraction) -> str:
    """A huge exact number as '≈ 1.234567e+262143', computed without converting it to a string."""
    if q == 0:
        return "0"
    power = _log10(abs(q.numerator)) - _log10(q.denominator)
    exponent = math.floor(power)
    return f"≈ {'-' if q < 0 else ''}{10 ** (power - exponent):.6f}e{exponent:+d}"


def to_plain(value: Any) -> Any:
    """A JSON-friendly form: numbers as ints, fraction strings or floats; matrices as lists."""
    if isinstance(value, np.ndarray):
        return [[to_plain(x) for x in row] for row in value]
    if isinstance(value, Fraction | int) and _digits(value) > MAX_DIGITS:
        return _abbreviated(Fraction(value))
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else str(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value)
    return str(value)
