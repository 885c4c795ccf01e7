"""Inequalities between two scalars: random points, then an adversarial search for a violation.

The *margin* of ``lhs <= rhs`` at a point is ``rhs - lhs`` (``lhs - rhs`` for ``>=``), relative to
the larger side: the statement holds where it is ≥ 0 (> 0 when strict). The random level samples
points as the numeric level does; the search minimises the margin with Nelder–Mead from several
deterministic starts, over a parametrisation that keeps the variables' properties (S = BBᵀ + εI
for spd, (B + Bᵀ)/2 for symmetric, expm of a skew matrix for orthogonal, ...). A floating margin
below −tolerance is only a candidate: it refutes when exact arithmetic (at the point read as
rationals, or rounded to small integers) or 50 digits confirm it; a tight inequality (margin 0 at
some points, Hadamard's for diagonal matrices) is never refuted by rounding. No violation found
is the strength ``checked``: evidence with its effort and least margin, never a proof.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from identity_book.catalogue.compile import Compiled
from identity_book.errors import EvaluationError, LimitError, NotExact
from identity_book.expr.nodes import concrete
from identity_book.verify import exact, scipylazy
from identity_book.verify.checks import Settings, counterexample, rng_for
from identity_book.verify.evaluate import Evaluator, ExactBackend, FloatBackend, as_scalar, entrywise, is_matrix
from identity_book.verify.precise import DIGITS, PreciseBackend, _mp
from identity_book.verify.results import Counterexample, LevelResult
from identity_book.verify.sampling import (
    NoSample,
    extra_sizes,
    has_properties,
    param_grid,
    sample_point,
    size_assignments,
    stated_rank,
)

SIGN = {"<=": 1, "<": 1, ">=": -1, ">": -1}  # margin = SIGN * (rhs - lhs)
TOLERANCE = 1e-9  # a relative margin below -TOLERANCE is a candidate violation
RANDOM_POINTS = 40  # per size assignment
STARTS = 4  # optimisation starts per size assignment (on the two smallest assignments)
SEARCH_SIZES = 2
MAX_EVALUATIONS = 600  # per start (the deadline is only a safety net)
EPSILON = 1e-4  # S = BBᵀ + εI keeps an spd parametrisation positive definite
PENALTY = 3.0  # the objective where a side is undefined (a relative margin lies in [-2, 2])
ROUNDINGS = ((1, 1), (1, 2), (1, 10), (2, 1), (4, 1), (10, 1), (100, 1), (1, 100), (1, 1000))  # (scale, denominator)
_ERRORS = (EvaluationError, ZeroDivisionError, FloatingPointError, np.linalg.LinAlgError, ValueError, OverflowError)


@dataclass
class Margin:
    """The least margin seen so far (relative), for the level's detail."""

    least: float = float("inf")

    def see(self, value: float) -> None:
        self.least = min(self.least, value)

    def text(self) -> str:
        if self.least == float("inf"):
            return "no margin computed"
        if abs(self.least) < 1e-12:
            return "least relative margin 0 (the bound is attained: the inequality is tight)"
        return f"least relative margin {self.least:.2e}"


def relative_margin(relation: str, left: float, right: float, magnitude: float = 0.0) -> float:
    """The margin relative to the larger side and to the largest value met while evaluating them
    (so that λ_min(BBᵀ) ≥ 0 at a singular BBᵀ is rounding, not a violation)."""
    diff = SIGN[relation] * (right - left)
    scale = max(abs(left), abs(right), magnitude)
    return 0.0 if scale == 0 else diff / scale


def _float_sides(c: Compiled, env: dict[str, Any], ints: dict[str, int]) -> tuple[float, float, float]:
    ev = Evaluator(FloatBackend(), dict(ints))
    with np.errstate(all="raise"):
        left, right = float(as_scalar(ev.eval(c.lhs, env))), float(as_scalar(ev.eval(c.rhs, env)))
    if not (np.isfinite(left) and np.isfinite(right)):
        raise EvaluationError("overflow")
    return left, right, ev.magnitude


def _candidate(relation: str, rel: float) -> bool:
    """Worth a second look: below the tolerance, or for a strict relation near equality (which
    only exact arithmetic can tell from a small positive margin)."""
    return rel < -TOLERANCE or (relation in ("<", ">") and rel <= TOLERANCE)


# -- confirmation -------------------------------------------------------------------------------
def _representable(c: Compiled, point: dict[str, Any], ints: dict[str, int]) -> bool:
    """Whether a rational point still has every stated property (and rank) exactly."""
    for var in c.identity.variables:
        if var.integer is not None:
            continue
        value = point[var.name]
        props = set(var.properties) - {"full_column_rank", "full_row_rank"}
        if not is_matrix(value):
            if "spd" in props and not value > 0:
                return False
            continue
        if value.shape[0] == value.shape[1] and not has_properties(value, props, True):
            return False
        shape = concrete(c.scope.shapes[var.name], ints)
        want = stated_rank(var, shape, ints)
        if exact.rank(value) != (min(value.shape) if want is None else want):
            return False
    return True


def _exact_violation(c: Compiled, point: dict[str, Any], ints: dict[str, int]) -> tuple[bool, Any, Any] | None:
    """Decide a violation exactly at a rational point (None: not exactly computable or undecided)."""
    try:
        ev = Evaluator(ExactBackend(), dict(ints))
        left, right = as_scalar(ev.eval(c.lhs, point)), as_scalar(ev.eval(c.rhs, point))
        sign = exact._sign(SIGN[c.relation] * (right - left))
    except (NotExact, LimitError, *_ERRORS):
        return None
    violated = sign < 0 or (sign == 0 and c.relation in ("<", ">"))
    return violated, left, right


def _precise_violation(c: Compiled, env: dict[str, Any], ints: dict[str, int]) -> tuple[bool | None, Any, Any, float]:
    """The margin again with 50 digits at the same (floating) point."""
    ev = Evaluator(PreciseBackend(), dict(ints))
    point = {
        k: entrywise(_mp.mpf, np.asarray(v, dtype=float)) if is_matrix(v) else _mp.mpf(float(v)) for k, v in env.items()
    }
    try:
        left, right = as_scalar(ev.eval(c.lhs, point)), as_scalar(ev.eval(c.rhs, point))
    except _ERRORS:
        return None, None, None, 0.0
    scale = max(abs(left), abs(right), _mp.mpf(ev.magnitude))
    rel = float(SIGN[c.relation] * (right - left) / scale) if scale else 0.0
    if rel < -TOLERANCE:
        return True, float(left), float(right), rel
    return (False if rel > TOLERANCE else None), float(left), float(right), rel


def _rounded(env: dict[str, Any], scale: int, denominator: int) -> dict[str, Any]:
    def one(x: Any) -> Fraction:
        return Fraction(round(float(x) * scale * denominator), denominator)

    return {k: entrywise(one, v) if is_matrix(v) else one(v) for k, v in env.items()}


def confirm_violation(
    c: Compiled, settings: Settings, env: dict[str, Any], ints: dict[str, int], rel: float
) -> Counterexample | None:
    """A counterexample at (or near) a candidate point, confirmed exactly or with 50 digits; None
    when the candidate was rounding (a tight inequality) or could not be decided."""
    for scale, denominator in ROUNDINGS:  # small integers first, as a reader checks by hand
        point = _rounded(env, scale, denominator)
        if not _representable(c, point, ints):
            continue
        found = _exact_violation(c, point, ints)
        if found is not None and found[0]:
            return counterexample(settings, ints, point, found[1], found[2], exact=True)
    point = {
        k: entrywise(lambda x: Fraction(float(x)), v) if is_matrix(v) else Fraction(float(v)) for k, v in env.items()
    }
    if _representable(c, point, ints):
        found = _exact_violation(c, point, ints)
        if found is not None:
            return counterexample(settings, ints, point, found[1], found[2], exact=True) if found[0] else None
    violated, left, right, margin = _precise_violation(c, env, ints)
    if violated:
        return counterexample(
            settings, ints, env, left, right, exact=False, residual=-margin, tolerance=TOLERANCE, digits=DIGITS
        )
    return None


# -- the random level ----------------------------------------------------------------------------
def random_check(c: Compiled, settings: Settings) -> LevelResult:
    """Random points satisfying the properties, as the numeric level samples them."""
    start = time.perf_counter()
    margin = Margin()
    used: list[dict[str, int]] = []
    points, rounded, last = 0, 0, ""
    try:
        plan = size_assignments(c, settings.numeric_sizes)
    except NoSample as exc:
        return LevelResult("inconclusive", detail=str(exc))
    for s_index, sizes in enumerate([*plan.assignments, *extra_sizes(c, plan)]):
        rng = rng_for(settings.seed, c, "inequality-random", s_index)
        grid = param_grid(c, sizes)
        for k in range(max(RANDOM_POINTS, len(grid))):
            try:
                params = grid[k % len(grid)] if grid else None
                env, ints = sample_point(c, sizes, rng, exact_mode=False, params=params)
                left, right, magnitude = _float_sides(c, env, ints)
            except NoSample as exc:
                last = str(exc)
                break
            except _ERRORS as exc:
                last = str(exc)
                continue
            rel = relative_margin(c.relation, left, right, magnitude)
            if _candidate(c.relation, rel):
                found = confirm_violation(c, settings, env, ints, rel)
                if found is not None:
                    detail = "a violation, confirmed " + ("exactly" if found.exact else f"with {DIGITS} digits")
                    return LevelResult(
                        "failed", [*used, ints], points + 1, None, TOLERANCE, time.perf_counter() - start, detail, found
                    )
                rounded += 1
                continue
            margin.see(rel)
            points += 1
            if ints not in used:
                used.append(ints)
    notes = [margin.text()]
    if rounded:
        notes.append(f"{rounded} candidate(s) below the tolerance were rounding, checked again")
    if plan.note():
        notes.append(str(plan.note()))
    if points == 0:
        return LevelResult(
            "inconclusive", detail=f"no valid sample point ({last})" if last else "no valid sample point"
        )
    return LevelResult("passed", used, points, None, TOLERANCE, time.perf_counter() - start, "; ".join(notes))


# -- the adversarial search ----------------------------------------------------------------------
Builder = Callable[[np.ndarray], Any]


def _parametrisation(props: set[str], shape: tuple[int, int] | None, rank: int | None, rng: np.random.Generator):
    """(number of parameters, parameters → value) keeping ``props``; None when not supported."""
    if shape is None:
        if props - {"spd"}:
            return None
        return 1, (lambda t: float(t[0] ** 2 + EPSILON) if "spd" in props else float(t[0]))
    r, k = shape
    props = props - {"full_column_rank", "full_row_rank", "invertible"}
    if rank is not None and rank < min(r, k):
        if props:
            return None
        return rank * (r + k), (lambda t: t[: r * rank].reshape(r, rank) @ t[r * rank :].reshape(rank, k))
    n = r
    square: dict[frozenset[str], tuple[int, Builder]] = {
        frozenset(): (r * k, lambda t: t.reshape(r, k)),
        frozenset({"symmetric"}): (n * n, lambda t: (t.reshape(n, n) + t.reshape(n, n).T) / 2),
        frozenset({"spd"}): (n * n, lambda t: t.reshape(n, n) @ t.reshape(n, n).T + EPSILON * np.eye(n)),
        frozenset({"symmetric", "spd"}): (n * n, lambda t: t.reshape(n, n) @ t.reshape(n, n).T + EPSILON * np.eye(n)),
        frozenset({"skew_symmetric"}): (n * n, lambda t: (t.reshape(n, n) - t.reshape(n, n).T) / 2),
        frozenset({"diagonal"}): (n, lambda t: np.diag(t)),
        frozenset({"diagonal", "spd"}): (n, lambda t: np.diag(t**2 + EPSILON)),
        frozenset({"lower_triangular"}): (n * n, lambda t: np.tril(t.reshape(n, n))),
        frozenset({"upper_triangular"}): (n * n, lambda t: np.triu(t.reshape(n, n))),
    }
    if props == {"orthogonal"}:
        flip = np.diag([rng.choice([-1.0, 1.0]), *([1.0] * (n - 1))])
        return n * n, (lambda t: scipylazy.linalg.expm((t.reshape(n, n) - t.reshape(n, n).T) / 2) @ flip)
    return square.get(frozenset(props))


class _Found(Exception):
    """Stops a start early: a clear violation, or the deadline."""


class _Start:
    """One optimisation start: the objective (the relative margin) and the least point seen."""

    def __init__(
        self,
        c: Compiled,
        env0: dict[str, Any],
        ints: dict[str, int],
        parts: list[tuple[str, int, Builder]],
        margin: Margin,
        deadline: float,
    ) -> None:
        self.c, self.env0, self.ints, self.parts, self.margin, self.deadline = c, env0, ints, parts, margin, deadline
        self.props = {v.name: set(v.properties) - {"full_column_rank", "full_row_rank"} for v in c.identity.variables}
        self.best_env: dict[str, Any] | None = None
        self.best = float("inf")
        self.evaluations = 0

    def point(self, theta: np.ndarray) -> dict[str, Any]:
        env = dict(self.env0)
        offset = 0
        for name, count, build in self.parts:
            env[name] = build(theta[offset : offset + count])
            offset += count
        return env

    def objective(self, theta: np.ndarray) -> float:
        self.evaluations += 1
        if time.perf_counter() > self.deadline:
            raise _Found
        try:
            env = self.point(theta)
            for name, value in env.items():
                square = is_matrix(value) and value.shape[0] == value.shape[1]
                if square and not has_properties(value, self.props.get(name, set()), False):
                    return PENALTY
            rel = relative_margin(self.c.relation, *_float_sides(self.c, env, self.ints))
        except _ERRORS:
            return PENALTY
        self.margin.see(rel)
        if rel < self.best:
            self.best_env, self.best = env, rel
        if rel < -1e-6:
            raise _Found
        return rel


def search_check(c: Compiled, settings: Settings) -> LevelResult:
    """Minimise the relative margin from several starts (Nelder–Mead), within a time budget."""
    start = time.perf_counter()
    deadline = start + 0.8 * settings.budget_exact
    margin = Margin()
    try:
        plan = size_assignments(c, settings.numeric_sizes)
    except NoSample as exc:
        return LevelResult("inconclusive", detail=str(exc))
    starts, evaluations, fixed, rounded = 0, 0, set[str](), 0
    used: list[dict[str, int]] = []
    for s_index, sizes in enumerate([*plan.assignments[:SEARCH_SIZES], *extra_sizes(c, plan)]):
        for k in range(STARTS):
            if time.perf_counter() > deadline:
                break
            rng = rng_for(settings.seed, c, "inequality-search", s_index * 100 + k)
            try:
                env0, ints = sample_point(c, sizes, rng, exact_mode=False)
            except (NoSample, *_ERRORS):
                continue
            parts: list[tuple[str, int, Builder]] = []
            for var in c.identity.variables:
                if var.integer is not None:
                    continue
                shape = concrete(c.scope.shapes[var.name], ints)
                built = _parametrisation(set(var.properties), shape, stated_rank(var, shape, ints), rng)
                if built is None:
                    fixed.add(var.name)  # kept at its random sample
                else:
                    parts.append((var.name, *built))
            size = sum(p[1] for p in parts)
            if size == 0:
                continue
            theta0 = rng.standard_normal(size) * (0.3, 1.0, 3.0)[k % 3]
            run = _Start(c, env0, ints, parts, margin, deadline)
            with contextlib.suppress(_Found):
                scipylazy.optimize.minimize(
                    run.objective,
                    theta0,
                    method="Nelder-Mead",
                    options={
                        "maxfev": min(MAX_EVALUATIONS, 100 * size),
                        "xatol": 1e-12,
                        "fatol": 1e-14,
                        "adaptive": True,
                    },
                )
            evaluations += run.evaluations
            best = (run.best_env, run.best)
            starts += 1
            if ints not in used:
                used.append(ints)
            if best[0] is not None and _candidate(c.relation, best[1]):
                found = confirm_violation(c, settings, best[0], ints, best[1])
                if found is not None:
                    detail = f"a violation found by the search (start {starts}), confirmed " + (
                        "exactly" if found.exact else f"with {DIGITS} digits"
                    )
                    return LevelResult(
                        "failed", used, starts, None, TOLERANCE, time.perf_counter() - start, detail, found
                    )
                rounded += 1
    notes = [f"{starts} optimisation starts (Nelder–Mead, {evaluations} evaluations)", margin.text()]
    if rounded:
        notes.append(f"{rounded} candidate(s) below the tolerance were rounding, checked again")
    if fixed:
        notes.append(f"not optimised over (no parametrisation of their properties): {', '.join(sorted(fixed))}")
    if starts == 0:
        return LevelResult("inconclusive", detail="no optimisation start could be made")
    return LevelResult("passed", used, starts, None, TOLERANCE, time.perf_counter() - start, "; ".join(notes))
