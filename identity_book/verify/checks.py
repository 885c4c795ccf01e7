"""The check levels, cheap to strong: numeric, exact, symbolic; and counterexample search."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import sympy

from identity_book.catalogue.compile import Compiled
from identity_book.catalogue.records import Variable
from identity_book.errors import EvaluationError, LimitError, NotExact
from identity_book.expr.complexity import uses_complex
from identity_book.expr.nodes import Node, concrete
from identity_book.expr.sympy_bridge import proved_for_all_sizes
from identity_book.verify import complexnum, exact
from identity_book.verify.budget import Timeout, budget
from identity_book.verify.evaluate import Evaluator, ExactBackend, FloatBackend, is_matrix
from identity_book.verify.precise import DIGITS, Confirmation, as_exact, precise_compare
from identity_book.verify.results import Counterexample, LevelResult
from identity_book.verify.sampling import (
    NoSample,
    SizePlan,
    extra_sizes,
    has_properties,
    param_grid,
    sample_point,
    size_assignments,
    to_plain,
)

TOLERANCES = (1e-9, 1e-6, 1e-4)
EXACT_ENTRIES = 576  # rational arithmetic is slow: larger sizes are the numeric level's to cover
RESAMPLES = 30


@dataclass(frozen=True)
class Settings:
    seed: int = 0
    numeric_sizes: int = 3
    numeric_points: int = 2
    exact_sizes: int = 2
    exact_points: int = 2
    symbolic: bool = True
    budget_numeric: float = 30.0  # a net for runaways: a logm inequality search takes ~9 s idle
    budget_exact: float = 10.0
    budget_symbolic: float = 0.5
    budget_derivation: float = 10.0
    prover: bool = True  # the prover for all sizes (identity_book.verify.prover)
    budget_prover: float = 2.0  # a safety net: the prover's own limit is an operation count

    def key(self) -> str:
        return repr(self)


def _stable_salt(text: str) -> int:
    import zlib

    return zlib.crc32(text.encode())


def rng_for(seed: int, c: Compiled, level: str, k: int) -> np.random.Generator:
    return np.random.default_rng([seed, _stable_salt(c.id), _stable_salt(level), k])


def tolerance(*nodes: Node) -> float:
    return TOLERANCES[min(max(n.depth_of_derivatives() for n in nodes), 2)]


def _flat(value: Any, dtype: Any = complex) -> np.ndarray:
    """Entries in column-major (vec) order, so a matrix step compares with its vec."""
    return np.asarray(value, dtype=dtype).reshape(-1, order="F")


def counterexample(
    settings: Settings, ints: dict[str, int], env: dict[str, Any], left: Any, right: Any, **extra: Any
) -> Counterexample:
    """What a reader needs to check a refutation by hand: seed, sizes, values, both sides."""
    return Counterexample(
        settings.seed,
        dict(ints),
        {k.replace("d:", "d", 1): to_plain(v) for k, v in env.items()},
        to_plain(left),
        to_plain(right),
        **extra,
    )


def digits_counterexample(
    settings: Settings, ints: dict[str, int], env: dict[str, Any], second: Confirmation, tol: float
) -> Counterexample:
    """The counterexample of a difference that :data:`DIGITS`-digit evaluation confirmed."""
    return counterexample(
        settings,
        ints,
        env,
        second.left,
        second.right,
        residual=second.residual,
        tolerance=tol,
        exact=False,
        digits=DIGITS,
    )


# -- numeric -----------------------------------------------------------------------------------

# Principal branches (logm, sqrtm, powm) go wrong only far from the origin: log(exp(A)) = A fails
# once an eigenvalue of A has |Im| > π, which standard normal 2×2 to 4×4 draws rarely give. A
# statement that uses one is also checked at twice as many points with entries WIDE_SCALE times
# larger.
BRANCHED = frozenset({"logm", "sqrtm", "powm"})
WIDE_SCALE = 5.0


def _has_branches(*nodes: Node) -> bool:
    return any(n.op in BRANCHED for node in nodes for n in node.walk())


Point = tuple[str, int, dict[str, int], float, dict[str, int] | None]


def _numeric_points(c: Compiled, plan: SizePlan, settings: Settings, lhs: Node, rhs: Node) -> Iterator[Point]:
    """What the numeric level samples, as (stream, index, sizes, scale, fixed parameters): random
    points at every size assignment; wide ones for a principal branch; then one point at each
    of the :func:`extra_sizes` (coincident sizes, both orders of every two dimensions), and one
    at each combination of the integer parameters (:func:`param_grid`)."""
    sizes_list = list(enumerate(plan.assignments))
    for s_index, sizes in sizes_list:
        for p in range(settings.numeric_points):
            yield "numeric", s_index * 100 + p, sizes, 1.0, None
    if _has_branches(lhs, rhs):
        for s_index, sizes in sizes_list:
            for p in range(2 * settings.numeric_points):
                yield "numeric-wide", s_index * 100 + p, sizes, WIDE_SCALE, None
    for e_index, sizes in enumerate(extra_sizes(c, plan)):
        yield "numeric-square", e_index, sizes, 1.0, None
        sizes_list.append((len(sizes_list), sizes))
    for s_index, sizes in sizes_list:
        for g, params in enumerate(param_grid(c, sizes)):
            yield "numeric-grid", s_index * 1000 + g, sizes, 1.0, params


def numeric_check(
    c: Compiled,
    settings: Settings,
    lhs: Node | None = None,
    rhs: Node | None = None,
    differentials: tuple[str, ...] = (),
) -> LevelResult:
    lhs, rhs = lhs or c.lhs, rhs or c.rhs
    tol = tolerance(lhs, rhs)
    start = time.perf_counter()
    worst, points, rounded, unsettled = 0.0, 0, 0, 0
    used: list[dict[str, int]] = []
    skipped_reason = None
    last_error = ""
    try:
        plan = size_assignments(c, settings.numeric_sizes)
    except NoSample as exc:
        return LevelResult("inconclusive", detail=str(exc))
    for level, k, sizes, scale, params in _numeric_points(c, plan, settings, lhs, rhs):
        rng = rng_for(settings.seed, c, level, k)
        for _attempt in range(RESAMPLES):
            try:
                env, ints = sample_point(
                    c, sizes, rng, exact_mode=False, differentials=differentials, scale=scale, params=params
                )
                rel, _, _ = _float_residual(lhs, rhs, env, ints)
            except NoSample as exc:
                skipped_reason = str(exc)
                break
            except (EvaluationError, ZeroDivisionError, FloatingPointError, np.linalg.LinAlgError) as exc:
                last_error = str(exc)
                continue
            if rel > tol:
                # never refute on rounding: look again, exactly or with 50 digits
                second = confirm(lhs, rhs, env, ints, c.identity.variables, tol)
                if second.differs is False:
                    rounded += 1
                    continue
                if second.differs is None:
                    unsettled += 1
                    continue
                if second.exact:
                    exact_env = {k: as_exact(v) for k, v in env.items()}
                    info = counterexample(settings, ints, exact_env, second.left, second.right, exact=True)
                else:
                    info = digits_counterexample(settings, ints, env, second, tol)
                return LevelResult(
                    "failed",
                    [*used, ints],
                    points + 1,
                    rel,
                    tol,
                    time.perf_counter() - start,
                    "sides differ exactly" if second.exact else f"sides differ at {DIGITS} digits",
                    info,
                )
            worst = max(worst, rel)
            points += 1
            if ints not in used:
                used.append(ints)
            break
    seconds = time.perf_counter() - start
    notes = [plan.note()]
    if rounded:
        notes.append(f"{rounded} point(s) above tolerance agreed when checked again (exactly or with {DIGITS} digits)")
    if unsettled:
        notes.append(f"{unsettled} point(s) above tolerance could not be checked again")
    detail = "; ".join(n for n in notes if n) or None
    if points == 0:
        return LevelResult("inconclusive", detail=skipped_reason or detail or _no_point(last_error), seconds=seconds)
    return LevelResult("passed", used, points, worst, tol, seconds, detail)


def _no_point(last_error: str) -> str:
    return f"no valid sample point (the last one tried: {last_error})" if last_error else "no valid sample point"


def _float_residual(lhs: Node, rhs: Node, env: dict[str, Any], ints: dict[str, int]) -> tuple[float, Any, Any]:
    ev = Evaluator(FloatBackend(), dict(ints))
    with np.errstate(all="raise"):
        try:
            left = ev.eval(lhs, env)
            right = ev.eval(rhs, env)
        except FloatingPointError:
            raise EvaluationError("floating point overflow") from None
    a, b = _flat(left), _flat(right)
    if a.shape != b.shape:
        raise EvaluationError("sides have different sizes at this point")
    scale = max(ev.magnitude, float(np.max(np.abs(a), initial=0)), float(np.max(np.abs(b), initial=0)))
    if not np.isfinite(scale):
        raise EvaluationError("overflow")
    if scale < 1e-300:
        return 0.0, left, right
    return float(np.max(np.abs(a - b), initial=0) / scale), left, right


# -- exact -------------------------------------------------------------------------------------
def exact_compare(lhs: Node, rhs: Node, env: dict[str, Any], ints: dict[str, int]) -> tuple[bool | None, Any, Any]:
    """Equal (True), different (False) or undecided (None), with both sides."""
    ev = Evaluator(ExactBackend(), dict(ints))
    left, right = ev.eval(lhs, env), ev.eval(rhs, env)
    a, b = _flat(left, object), _flat(right, object)
    if a.shape != b.shape:
        raise EvaluationError("sides have different sizes at this point")
    undecided = False
    for x, y in zip(a, b, strict=True):
        zero = exact.is_exact_zero(x - y)
        if zero is False:
            return False, left, right
        undecided = undecided or zero is None
    return (None if undecided else True), left, right


def confirm(
    lhs: Node, rhs: Node, env: dict[str, Any], ints: dict[str, int], variables: tuple[Variable, ...], tolerance: float
) -> Confirmation:
    """Look again at a point where the floating sides differ by more than ``tolerance``: with 50
    digits first (cheap), then, if that cannot decide, exactly at the same point."""
    precise = precise_compare(lhs, rhs, env, ints, tolerance)
    if precise.differs is not None:
        return precise
    point = {k: as_exact(v) for k, v in env.items()}
    props = {v.name: set(v.properties) for v in variables}
    representable = all(
        not is_matrix(v) or v.shape[0] != v.shape[1] or has_properties(v, props.get(k, set()), True)
        for k, v in point.items()
    )
    if representable:
        try:
            same, left, right = exact_compare(lhs, rhs, point, ints)
        except (NotExact, EvaluationError, ZeroDivisionError):
            return precise
        return Confirmation(None if same is None else not same, True, left, right)
    return precise


def exact_check(
    c: Compiled,
    settings: Settings,
    lhs: Node | None = None,
    rhs: Node | None = None,
    differentials: tuple[str, ...] = (),
) -> LevelResult:
    lhs, rhs = lhs or c.lhs, rhs or c.rhs
    start = time.perf_counter()
    points, undecided = 0, 0
    used: list[dict[str, int]] = []
    last_error = ""
    try:
        plan = size_assignments(c, settings.exact_sizes, high=4, max_entries=EXACT_ENTRIES)
    except NoSample as exc:
        return LevelResult("inconclusive", detail=str(exc))
    for s_index, sizes in enumerate(plan.assignments):
        for p in range(settings.exact_points):
            rng = rng_for(settings.seed, c, "exact", s_index * 100 + p)
            for _attempt in range(RESAMPLES):
                try:
                    env, ints = sample_point(c, sizes, rng, exact_mode=True, differentials=differentials)
                    same, left, right = exact_compare(lhs, rhs, env, ints)
                except NotExact as exc:
                    return LevelResult(
                        "inconclusive", used, points, seconds=time.perf_counter() - start, detail=f"not exact: {exc}"
                    )
                except NoSample:
                    break
                except (EvaluationError, ZeroDivisionError) as exc:
                    last_error = str(exc)
                    continue
                if same is False:
                    info = counterexample(settings, ints, env, left, right, exact=True)
                    return LevelResult(
                        "failed",
                        [*used, ints],
                        points + 1,
                        None,
                        None,
                        time.perf_counter() - start,
                        "sides differ exactly",
                        info,
                    )
                undecided += same is None
                points += same is True
                if ints not in used:
                    used.append(ints)
                break
    seconds = time.perf_counter() - start
    if points == 0:
        why = "equality of transcendental values could not be decided" if undecided else _no_point(last_error)
        return LevelResult("inconclusive", used, 0, seconds=seconds, detail=why)
    notes = [f"{undecided} point(s) undecided" if undecided else None, plan.note()]
    return LevelResult("passed", used, points, 0.0, 0.0, seconds, "; ".join(n for n in notes if n) or None)


# -- symbolic ----------------------------------------------------------------------------------
SYMBOLIC_PROPS = {
    "symmetric",
    "spd",
    "invertible",
    "diagonal",
    "lower_triangular",
    "upper_triangular",
    "skew_symmetric",
    "toeplitz",
    "full_column_rank",  # symbolic entries are generic: full rank
    "full_row_rank",
}


def _symbolic_matrix(name: str, rows: int, cols: int, props: set[str]) -> np.ndarray:
    out = np.empty((rows, cols), dtype=object)
    for i in range(rows):
        for j in range(cols):
            a, b = (min(i, j), max(i, j)) if props & {"symmetric", "spd"} else (i, j)
            sym = sympy.Symbol(f"{name}_{a}{b}", real=True)
            if "toeplitz" in props:  # one symbol per diagonal: T_ij = t_(i-j)
                offset = abs(i - j) if props & {"symmetric", "spd"} else i - j
                sym = sympy.Symbol(f"{name}_t{offset}".replace("-", "m"), real=True)
            zero = (
                ("diagonal" in props and i != j)
                or ("lower_triangular" in props and j > i)
                or ("upper_triangular" in props and i > j)
                or ("skew_symmetric" in props and i == j)
            )
            if zero:
                out[i, j] = Fraction(0)
            elif "skew_symmetric" in props and i > j:
                out[i, j] = -sympy.Symbol(f"{name}_{j}{i}", real=True)
            else:
                out[i, j] = sym
    return out


def symbolic_check(c: Compiled, settings: Settings) -> LevelResult:
    """A proof at general dimensions where SymPy's matrix algebra can do it, else at the
    smallest concrete sizes with symbolic entries (in the field of rational functions)."""
    if any(v.distribution is not None for v in c.identity.variables):
        return LevelResult("skipped", detail="expectations are decided at the exact level (exact moments)")
    complex_part = uses_complex((c.lhs, c.rhs), c.scope.complex_vars)
    if complex_part:
        return LevelResult("skipped", detail=f"no symbolic form for {complex_part} (symbolic entries are real)")
    start = time.perf_counter()
    try:
        general = proved_for_all_sizes(c.lhs, c.rhs)
    except (TypeError, ValueError, AttributeError, sympy.SympifyError):
        general = False
    if general:
        return LevelResult("passed", [], 1, 0.0, 0.0, time.perf_counter() - start, "proved for all sizes")
    props = {p for v in c.identity.variables for p in v.properties}
    ranked = {n.op for side in (c.lhs, c.rhs) for n in side.walk()} & {"pinv", "rank"}
    if ranked or any(v.rank is not None for v in c.identity.variables):
        what = ", ".join(sorted(ranked)) or "a stated rank"
        return LevelResult("skipped", detail=f"no symbolic form for {what} (rank decisions)")
    if props - SYMBOLIC_PROPS:
        return LevelResult("skipped", detail=f"no symbolic form for {', '.join(sorted(props - SYMBOLIC_PROPS))}")
    try:
        sizes = size_assignments(c, 1, high=3, max_entries=16, shrink=False).assignments[0]
    except NoSample as exc:
        return LevelResult("skipped", detail=str(exc))
    rng = rng_for(settings.seed, c, "symbolic", 0)
    try:
        _, ints = sample_point(c, sizes, rng, exact_mode=True)
    except (NoSample, EvaluationError) as exc:
        return LevelResult("skipped", detail=str(exc))
    env: dict[str, Any] = {}
    for var in c.identity.variables:
        if var.integer is not None:
            continue
        shape = concrete(c.scope.shapes[var.name], sizes)
        if shape is None:
            env[var.name] = sympy.Symbol(var.name, real=True)
        else:
            env[var.name] = _symbolic_matrix(var.name, *shape, set(var.properties))
    same: bool | None
    try:
        same = _compare_in_field(c, env, ints)
    except (NotExact, TypeError, AttributeError, ValueError, sympy.PolynomialError):
        try:
            same, _, _ = exact_compare(c.lhs, c.rhs, env, ints)
        except (NotExact, EvaluationError, ZeroDivisionError, TypeError) as exc:
            return LevelResult("skipped", [ints], seconds=time.perf_counter() - start, detail=f"not symbolic: {exc}")
    except (EvaluationError, ZeroDivisionError) as exc:
        return LevelResult("skipped", [ints], seconds=time.perf_counter() - start, detail=f"not symbolic: {exc}")
    seconds = time.perf_counter() - start
    where = ", ".join(f"{k} = {v}" for k, v in ints.items()) or "the given sizes"
    if same is True:
        return LevelResult("passed", [ints], 1, 0.0, 0.0, seconds, f"proved for {where}")
    if same is False:
        return LevelResult("failed", [ints], 1, seconds=seconds, detail=f"sides differ symbolically for {where}")
    return LevelResult("inconclusive", [ints], seconds=seconds, detail="SymPy could not decide")


def _compare_in_field(c: Compiled, env: dict[str, Any], ints: dict[str, int]) -> bool:
    """Compare both sides in the field of rational functions of the entries (fast, exact)."""
    symbols = sorted(
        {x for v in env.values() for e in np.asarray(v, dtype=object).flat for x in sympy.sympify(e).free_symbols},
        key=str,
    )
    if not symbols:
        raise NotExact("no symbols")
    field, *_ = sympy.polys.fields.field(symbols, sympy.QQ)

    def convert(v: Any) -> Any:
        if isinstance(v, np.ndarray):
            out = np.empty(v.shape, dtype=object)
            for idx, x in np.ndenumerate(v):
                out[idx] = field.from_expr(sympy.sympify(x))
            return out
        return field.from_expr(sympy.sympify(v))

    same, _, _ = exact_compare(c.lhs, c.rhs, {k: convert(v) for k, v in env.items()}, ints)
    if same is None:
        raise NotExact("undecided in the field")
    return same


# -- counterexamples -------------------------------------------------------------------------
def small_counterexample(
    c: Compiled,
    settings: Settings,
    lhs: Node | None = None,
    rhs: Node | None = None,
    tries: int = 200,
    differentials: tuple[str, ...] = (),
) -> Counterexample | None:
    """Search small integer inputs (entries in -2..2, sizes 2 and 3, every combination of the
    integer parameters in turn) where the sides differ."""
    lhs, rhs = lhs or c.lhs, rhs or c.rhs
    try:
        plan = size_assignments(c, 6, high=3)
    except NoSample:
        try:
            plan = size_assignments(c, 4, high=4)
        except NoSample:
            return None
    all_sizes = sorted([*plan.assignments, *extra_sizes(c, plan)], key=lambda s: sum(s.values()))
    grids: list[list[dict[str, int] | None]] = [list(param_grid(c, sizes)) or [None] for sizes in all_sizes]
    rng = rng_for(settings.seed, c, "counterexample", 0)
    for k in range(tries):
        sizes, grid = all_sizes[k % len(all_sizes)], grids[k % len(all_sizes)]
        params = grid[(k // len(all_sizes)) % len(grid)]
        try:
            env, ints = sample_point(
                c, sizes, rng, exact_mode=True, bound=2, differentials=differentials, params=params
            )
        except (EvaluationError, ZeroDivisionError):
            continue
        try:
            same, left, right = exact_compare(lhs, rhs, env, ints)
        except NotExact:
            found = _float_sides_differ(lhs, rhs, env, ints)
            if found is None:
                continue
            rel, left, right = found
            # the inputs are still small integers; only the two sides are floating point
            return counterexample(
                settings, ints, env, left, right, exact=False, residual=rel, tolerance=tolerance(lhs, rhs)
            )
        except (Timeout, LimitError):
            return None
        except (EvaluationError, ZeroDivisionError):
            continue
        if same is False:
            return counterexample(settings, ints, env, left, right, exact=True)
    return None


def _float_sides_differ(
    lhs: Node, rhs: Node, env: dict[str, Any], ints: dict[str, int]
) -> tuple[float, Any, Any] | None:
    """Both sides in floating point at an exact (integer) point, when they differ beyond tolerance."""
    floats = {k: complexnum.to_float(v) for k, v in env.items()}
    try:
        rel, _, _ = _float_residual(lhs, rhs, floats, ints)
    except (EvaluationError, ZeroDivisionError, FloatingPointError, np.linalg.LinAlgError, NotExact):
        return None
    if rel <= 100 * tolerance(lhs, rhs):
        return None
    second = precise_compare(lhs, rhs, floats, ints, tolerance(lhs, rhs))  # not rounding: 50 digits agree
    return (second.residual or rel, second.left, second.right) if second.differs else None


def timed(level: str, seconds: float, fn: Any, *args: Any) -> LevelResult:
    """Run a level under its time budget; running out is an inconclusive outcome."""
    start = time.perf_counter()
    try:
        with budget(seconds):
            return fn(*args)
    except Timeout:
        return LevelResult(
            "inconclusive",
            seconds=time.perf_counter() - start,
            detail=f"{level} check exceeded its {seconds:g} s budget",
        )
    except RecursionError:
        return LevelResult("inconclusive", seconds=time.perf_counter() - start, detail="recursion too deep")
