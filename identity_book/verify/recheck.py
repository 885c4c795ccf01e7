"""A second look, with 50 digits, at an identity that only double precision has passed.

Double precision compares the sides to a relative tolerance of 1e-9, so ``tr(expm(A)) + 1e-12``
passes for ``tr(expm(A))``. Where the exact level cannot decide (transcendental functions), the
sides are evaluated again with :data:`~identity_book.verify.precise.DIGITS` digits at exact
(rational) points, whose properties hold exactly, and must agree far more closely: a difference
larger than 50-digit rounding refutes the identity.
"""

from __future__ import annotations

import dataclasses
import time

from identity_book.catalogue.compile import Compiled
from identity_book.errors import EvaluationError
from identity_book.verify.checks import (
    EXACT_ENTRIES,
    RESAMPLES,
    Settings,
    digits_counterexample,
    rng_for,
)
from identity_book.verify.precise import DIGITS, precise_compare
from identity_book.verify.results import LevelResult
from identity_book.verify.sampling import NoSample, sample_point, size_assignments

# what 50-digit rounding allows, by the depth of derivatives (finite differences lose digits)
PRECISE_TOLERANCES = (1e-30, 1e-24, 1e-16)
PRECISE_POINTS = 3


def precise_recheck(c: Compiled, settings: Settings, numeric: LevelResult) -> LevelResult:
    """``numeric`` (a pass) with what the 50-digit evaluation found added to its detail, or a
    failure with the counterexample when the sides differ beyond 50-digit rounding."""
    if any(v.distribution is not None for v in c.identity.variables):
        return _noted(numeric, f"not re-checked with {DIGITS} digits (random variables)")
    depth = max(side.depth_of_derivatives() for side in (c.lhs, c.rhs))
    tol = PRECISE_TOLERANCES[min(depth, len(PRECISE_TOLERANCES) - 1)]
    start = time.perf_counter()
    try:
        plan = size_assignments(c, settings.exact_sizes, high=4, max_entries=EXACT_ENTRIES)
    except NoSample as exc:
        return _noted(numeric, f"not re-checked with {DIGITS} digits ({exc})")
    agreed, undecided, worst = 0, 0, 0.0
    for k in range(PRECISE_POINTS):
        sizes = plan.assignments[k % len(plan.assignments)]
        rng = rng_for(settings.seed, c, "precise", k)
        for _attempt in range(RESAMPLES):
            try:
                env, ints = sample_point(c, sizes, rng, exact_mode=True, bound=2)  # a small counterexample
                second = precise_compare(c.lhs, c.rhs, env, ints, tol, all_digits=True)
            except NoSample:
                break
            except (EvaluationError, ZeroDivisionError, TypeError, ValueError):
                continue
            if second.differs is None and second.residual is None:
                continue  # not evaluable at this point (a singular matrix, no convergence)
            if second.differs:
                info = digits_counterexample(settings, ints, env, second, tol)
                detail = (
                    f"sides differ at {DIGITS} digits: relative difference {second.residual:.3g}, beyond the "
                    f"{tol:g} that {DIGITS}-digit rounding allows (double precision could not tell)"
                )
                return LevelResult(
                    "failed",
                    [ints],
                    numeric.points + agreed + 1,
                    second.residual,
                    tol,
                    numeric.seconds + time.perf_counter() - start,
                    detail,
                    info,
                )
            agreed += second.differs is False
            undecided += second.differs is None
            worst = max(worst, second.residual or 0.0)
            break
    if not agreed:
        return _noted(numeric, f"not re-checked with {DIGITS} digits (no exact point could be evaluated)")
    note = f"{agreed} exact point(s) agree within {worst:.1g} with {DIGITS} digits (tolerance {tol:g})"
    if undecided:
        note += f"; {undecided} undecided"
    return _noted(numeric, note, time.perf_counter() - start)


def _noted(level: LevelResult, note: str, seconds: float = 0.0) -> LevelResult:
    detail = "; ".join(part for part in (level.detail, note) if part)
    return dataclasses.replace(level, detail=detail, seconds=level.seconds + seconds)
