"""Run the check levels for each identity, with a cache and worker processes."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context

from identity_book.catalogue.compile import Compiled, compile_identity
from identity_book.catalogue.records import Identity
from identity_book.errors import CatalogueError, LimitError
from identity_book.verify.budget import Timeout, budget
from identity_book.verify.cache import Cache
from identity_book.verify.checks import (
    Settings,
    exact_check,
    numeric_check,
    small_counterexample,
    symbolic_check,
    timed,
)
from identity_book.verify.derivation import derivations_for
from identity_book.verify.inequality import random_check, search_check
from identity_book.verify.prover.level import prover_check
from identity_book.verify.recheck import precise_recheck
from identity_book.verify.results import LevelResult, Result, Status, Strength


def verify_identity(identity: Identity, settings: Settings) -> Result:
    """Every applicable check for one identity, and the status they add up to."""
    result = Result(
        identity.id, identity.file, identity.location.line, Status.ERROR, seed=settings.seed, expected=identity.status
    )
    try:
        c = compile_identity(identity)
    except CatalogueError as exc:
        result.message = str(exc.diagnostics[0])
        return result
    result.checks["shapes"] = LevelResult("passed", detail="both sides conform and agree in shape")
    try:
        return _run_levels(c, settings, result)
    except LimitError as exc:
        result.status, result.message = Status.ERROR, f"{identity.location}: {identity.id}: {exc.message}"
    except Exception as exc:  # a verifier bug must not stop the other identities, nor pass
        result.status = Status.INCONCLUSIVE
        result.message = f"internal error in the verifier: {type(exc).__name__}: {exc}"
    return result


def _run_levels(c: Compiled, settings: Settings, result: Result) -> Result:
    if c.identity.is_inequality:
        return _run_inequality(c, settings, result)
    numeric = timed("numeric", settings.budget_numeric, numeric_check, c, settings)
    result.checks["numeric"] = numeric
    exact_level = timed("exact", settings.budget_exact, exact_check, c, settings)
    result.checks["exact"] = exact_level
    result.max_rel_error = numeric.max_rel_error
    failed = [lv for lv in (exact_level, numeric) if lv.outcome == "failed"]
    if failed:
        result.status = Status.REFUTED
        small = timed("counterexample", settings.budget_exact, _counterexample_level, c, settings)
        result.counterexample = small.counterexample or failed[0].counterexample
        result.message = failed[0].detail or "refuted"
        return result
    proved = _run_prover(c, settings, result, numeric.outcome == "passed")
    if proved:
        result.checks["symbolic"] = LevelResult("skipped", detail="not needed: proved for all sizes by the prover")
    elif settings.symbolic and exact_level.outcome == "passed":
        symbolic = timed("symbolic", settings.budget_symbolic, symbolic_check, c, settings)
        result.checks["symbolic"] = symbolic
        if symbolic.outcome == "failed":
            result.status, result.message = Status.REFUTED, symbolic.detail or "refuted symbolically"
            return result
    else:
        result.checks["symbolic"] = LevelResult("skipped", detail="needs an exact pass first")
    _run_derivation(c, settings, result)
    if result.status == Status.REFUTED:
        return result
    if exact_level.outcome == "passed":
        symbolic = result.checks["symbolic"]
        result.status, result.strength = Status.VERIFIED, Strength.EXACT
        if symbolic.outcome == "passed":
            result.strength = Strength.PROVED_AT_SIZES if any(symbolic.sizes) else Strength.PROVED
        if proved:
            result.strength = Strength.PROVED
    elif numeric.outcome == "passed" and proved:
        result.status, result.strength = Status.VERIFIED, Strength.PROVED
    elif numeric.outcome == "passed":
        numeric = timed("numeric", settings.budget_numeric, precise_recheck, c, settings, numeric)
        result.checks["numeric"] = numeric
        if numeric.outcome == "failed":
            result.status, result.message = Status.REFUTED, numeric.detail or "refuted"
            result.counterexample = numeric.counterexample
            return result
        if numeric.outcome != "passed":
            result.status, result.message = Status.INCONCLUSIVE, f"numeric: {numeric.detail}"
            return result
        result.status, result.strength = Status.VERIFIED, Strength.NUMERIC
        result.message = f"exact level: {exact_level.detail}"
    else:
        result.status = Status.INCONCLUSIVE
        result.message = "; ".join(
            f"{name}: {lv.detail}" for name, lv in (("numeric", numeric), ("exact", exact_level)) if lv.detail
        )
    return result


def _run_inequality(c: Compiled, settings: Settings, result: Result) -> Result:
    """An inequality: random points, then the adversarial search; a confirmed violation refutes,
    and none found is the strength ``checked`` (never ``proved``: no level proves inequalities)."""
    random = timed("numeric", settings.budget_numeric, random_check, c, settings)
    result.checks["numeric"] = random
    search = (
        timed("search", settings.budget_exact, search_check, c, settings)
        if random.outcome == "passed"
        else LevelResult("skipped", detail="needs a pass at random points first")
    )
    result.checks["search"] = search
    result.checks["exact"] = LevelResult(
        "skipped", detail="an inequality: each candidate violation is confirmed exactly or with 50 digits"
    )
    for name in ("prover", "symbolic"):
        result.checks[name] = LevelResult("skipped", detail="proves equalities only, not inequalities")
    failed = [lv for lv in (random, search) if lv.outcome == "failed"]
    if failed:
        result.status, result.counterexample = Status.REFUTED, failed[0].counterexample
        result.message = failed[0].detail or "refuted"
    elif random.outcome == "passed" and search.outcome == "passed":
        result.status, result.strength = Status.VERIFIED, Strength.CHECKED
    else:
        result.status = Status.INCONCLUSIVE
        result.message = "; ".join(
            f"{n}: {lv.detail}" for n, lv in (("numeric", random), ("search", search)) if lv.detail
        )
    return result


def _run_prover(c: Compiled, settings: Settings, result: Result, numeric_passed: bool) -> bool:
    """The prover for all sizes (beside the exact level, never instead of it): True when it proved
    the identity; its certificate goes in ``result.proof``."""
    if not settings.prover or not numeric_passed:
        result.checks["prover"] = LevelResult("skipped", detail="needs a numeric pass first")
        return False
    found: list[dict | None] = []

    def run() -> LevelResult:
        level, certificate = prover_check(c)
        found.append(certificate)
        return level

    level = timed("prover", settings.budget_prover, run)
    result.checks["prover"] = level
    if level.outcome == "passed" and found and found[0] is not None:
        result.proof = found[0]
        return True
    return False


def _run_derivation(c: Compiled, settings: Settings, result: Result) -> None:
    """Check the written derivation (a wrong step refutes the entry) and a generated one.

    ``result.derivation`` is the written one when there is one, else the generated one;
    ``result.generated_derivation`` holds the generated one shown beside a written one.
    """
    start = time.perf_counter()
    try:
        with budget(settings.budget_derivation):
            written, generated = derivations_for(c, settings)
    except Timeout:
        result.checks["derivation"] = LevelResult("inconclusive", detail="derivation check exceeded its budget")
        return
    missing = None  # why no derivation was generated, said in the level's detail
    if generated is not None and generated.outcome == "skipped":
        missing, generated = f"generated: {generated.detail}", None
        if written is None:
            result.checks["derivation"] = LevelResult("skipped", detail=missing)
            return
    report = written or generated
    if report is None:
        return
    result.derivation = report
    if written is not None and generated is not None:
        result.generated_derivation = generated
    level = LevelResult(
        report.outcome,
        seconds=time.perf_counter() - start,
        detail="; ".join(filter(None, (f"{report.source}: {report.detail or 'every step verified'}", missing))),
    )
    result.checks["derivation"] = level
    if report.source == "written" and report.outcome == "failed":
        failed = next(s for s in report.steps if s.outcome == "failed")
        result.status = Status.REFUTED
        result.message = f"derivation {failed.detail}"
        result.counterexample = failed.counterexample


def _counterexample_level(c: Compiled, settings: Settings) -> LevelResult:
    found = small_counterexample(c, settings)
    return LevelResult("failed" if found else "inconclusive", counterexample=found)


def _work(args: tuple[Identity, Settings]) -> Result:
    return verify_identity(*args)


TIME_LIMIT = 3600.0  # seconds for one run: a net under a catalogue of many slow entries


def verify_many(
    identities: Iterable[Identity],
    settings: Settings,
    jobs: int = 1,
    cache: Cache | None = None,
    progress: Callable[[Result], None] | None = None,
    time_limit: float | None = TIME_LIMIT,
) -> list[Result]:
    """Verify ``identities`` (cached results reused), in ``jobs`` worker processes. Identities
    not started within ``time_limit`` seconds are inconclusive (and not cached)."""
    deadline = time.monotonic() + time_limit if time_limit else None
    todo: list[Identity] = []
    done: dict[str, Result] = {}
    items = list(identities)
    for ident in items:
        hit = cache.get(ident, settings) if cache else None
        if hit is not None:
            done[ident.id] = hit
            if progress:
                progress(hit)
        else:
            todo.append(ident)
    by_id = {i.id: i for i in todo}

    def record(result: Result) -> None:
        done[result.id] = result
        if cache is not None:  # it keeps no inconclusive result, so those past the limit are tried again
            cache.put(by_id[result.id], settings, result)
        if progress:
            progress(result)

    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    if jobs == 1:
        for ident in todo:
            late = deadline is not None and time.monotonic() > deadline
            record(_not_started(ident, settings, time_limit) if late else verify_identity(ident, settings))
    else:
        _in_workers(todo, settings, jobs, record, deadline)
        for ident in todo:
            if ident.id not in done:
                record(_not_started(ident, settings, time_limit))
    return [done[i.id] for i in items]


_LATE = "not verified: the run reached its time limit"


def _not_started(identity: Identity, settings: Settings, time_limit: float | None) -> Result:
    result = Result(identity.id, identity.file, identity.location.line, Status.INCONCLUSIVE, seed=settings.seed)
    result.expected = identity.status
    result.message = f"{_LATE} of {time_limit:g} s before this identity was reached (--time-limit)"
    return result


def _in_workers(
    todo: list[Identity], settings: Settings, jobs: int, record: Callable[[Result], None], deadline: float | None
) -> None:
    """Verify ``todo`` in ``jobs`` worker processes, surviving a worker that dies; after
    ``deadline`` nothing new is started.

    A worker killed by a crash (a segfault in a native library, the kernel's OOM killer) breaks
    the pool. Workers take identities in order, so the dead one was verifying one of the first
    ``jobs`` unfinished identities: each of those is verified again alone, and one whose worker
    dies again gets an inconclusive result naming the crash (never a pass, never cached); the rest
    go on in a new pool.
    """
    pending = list(todo)
    while pending:
        finished: set[str] = set()
        try:
            with ProcessPoolExecutor(jobs, mp_context=get_context("fork")) as pool:
                futures: list[Future[Result]] = [pool.submit(_work, (i, settings)) for i in pending]
                for future in as_completed(futures):
                    result = future.result()
                    finished.add(result.id)
                    record(result)
                    if deadline is not None and time.monotonic() > deadline:
                        pool.shutdown(wait=True, cancel_futures=True)
                        for late in futures:
                            if late.done() and not late.cancelled() and late.result().id not in finished:
                                record(late.result())
                        return
            return
        except BrokenProcessPool:
            pending = [i for i in pending if i.id not in finished]
        for ident in pending[:jobs]:
            record(_alone(ident, settings))
        pending = pending[jobs:]


def _alone(identity: Identity, settings: Settings) -> Result:
    """``identity`` verified in a worker of its own; inconclusive if that worker dies."""
    try:
        with ProcessPoolExecutor(1, mp_context=get_context("fork")) as pool:
            return pool.submit(_work, (identity, settings)).result()
    except BrokenProcessPool:
        result = Result(identity.id, identity.file, identity.location.line, Status.INCONCLUSIVE, seed=settings.seed)
        result.expected = identity.status
        result.message = "the verifier's worker process died (a crash in a native library, or out of memory)"
        return result
