"""Build a catalogue entry for ``grad|jacobian|hess(EXPR, X)`` from the generated derivation,
and verify it (every step, then the entry itself) with the catalogue's own verifier."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from identity_book.catalogue.compile import Compiled, compile_identity
from identity_book.catalogue.records import Identity, Step, Variable
from identity_book.errors import CatalogueError, IdentityBookError, Location
from identity_book.expr.text import to_text
from identity_book.verify.checks import Settings
from identity_book.verify.derivation import first_reference
from identity_book.verify.generator import Unsupported, derivation_steps
from identity_book.verify.results import Result
from identity_book.verify.runner import verify_identity

KINDS = ("grad", "jacobian", "hess")
TITLES = {"grad": "Gradient", "jacobian": "Jacobian", "hess": "Hessian"}
WHERE = Location("<derive>")


class DeriveError(IdentityBookError):
    """The request is malformed (an expression, a variable, a kind); exit code 2."""


class MissingRule(IdentityBookError):
    """The generator has no rule for some part of the expression; nothing is guessed."""


@dataclass(frozen=True)
class CheckedStep:
    """One printed line: ``outcome`` is passed, failed, inconclusive or unchecked."""

    kind: str
    expr: str
    because: str | None
    outcome: str
    detail: str | None = None


@dataclass(frozen=True)
class Derived:
    identity: Identity  # the ready catalogue entry: rhs is the result, the derivation is the checked steps
    compiled: Compiled
    start: str  # what step 1 is compared with: d(EXPR)
    steps: tuple[CheckedStep, ...]
    result: Result

    @property
    def checked(self) -> bool:
        """Every step passed and the entry is verified."""
        return self.result.status == "verified" and all(s.outcome == "passed" for s in self.steps)


def operator_for(kind: str, variable: Variable) -> str:
    """``grad``, ``jacobian``, or ``hess`` (a vector) / ``hess_vec`` (a matrix, through vec)."""
    if kind not in KINDS:
        raise DeriveError(f"--kind must be one of {', '.join(KINDS)}, not {kind!r}")
    shape = variable.shape or ()
    if kind == "hess" and len(shape) == 2 and shape[1] != 1:
        return "hess_vec"
    return kind


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "expression"


def derive(
    expr: str, wrt: str, variables: list[Variable], kind: str = "grad", settings: Settings | None = None
) -> Derived:
    """The checked derivation of ``kind(expr, wrt)``; :class:`MissingRule` where no rule applies."""
    names = {v.name: v for v in variables}
    if wrt not in names:
        raise DeriveError(f"--wrt {wrt}: {wrt} is not declared; add --var '{wrt}: [m, n]'")
    op = operator_for(kind, names[wrt])
    lhs = f"{op}({expr}, {wrt})"
    draft = _entry(f"{kind}-{slug(expr)}", f"{TITLES[kind]} of {expr} with respect to {wrt}", variables, lhs, lhs)
    compiled = _compile(draft, len(op) + 1)
    try:
        generated = derivation_steps(compiled.lhs)
    except Unsupported as exc:
        raise MissingRule(f"no rule applies to {lhs}: {exc}") from None
    steps = [Step(to_text(s.node), WHERE, kind=s.kind, because=s.because) for s in generated]  # the entry's text
    entry = replace(draft, rhs=steps[-1].expr, derivation=tuple(steps))
    compiled = _compile(entry, len(op) + 1)
    result = verify_identity(entry, settings or Settings())
    return Derived(entry, compiled, to_text(first_reference(compiled.lhs)), _checked(steps, result), result)


def _entry(ident: str, title: str, variables: list[Variable], lhs: str, rhs: str) -> Identity:
    return Identity(ident, title, WHERE, tuple(variables), lhs, rhs, chapter="derived", section="derived")


def _compile(entry: Identity, lead: int) -> Compiled:
    """Compiled, or :class:`DeriveError` with the column in EXPR (``lead``: the characters before it)."""
    try:
        return compile_identity(entry)
    except CatalogueError as exc:
        first = exc.diagnostics[0]
        hint = ""
        found = re.search(r"unknown symbol '([A-Za-z][A-Za-z0-9_]*)'", first.message)
        if found:
            hint = f"; declare it with --var '{found.group(1)}: [m, n]'"
        column = first.location.column - lead
        at = f"column {column} of the expression" if 0 < column <= len(entry.lhs) - lead else f"in {entry.lhs}"
        raise DeriveError(f"{at}: {first.message}{hint}") from None


def _checked(steps: list[Step], result: Result) -> tuple[CheckedStep, ...]:
    """The steps with what the verifier found; after a failure, or without a report: unchecked."""
    report = result.derivation
    reported = report.steps if report is not None else []
    if report is None or report.source != "written" or len(reported) != len(steps):
        detail = result.checks["derivation"].detail if "derivation" in result.checks else "not checked"
        return tuple(CheckedStep(s.kind, s.expr, s.because, "unchecked", detail) for s in steps)
    out, failed = [], False
    for s, r in zip(steps, reported, strict=True):
        outcome = "unchecked" if failed else r.outcome
        failed = failed or outcome == "failed"
        out.append(CheckedStep(s.kind, s.expr, s.because, outcome, r.detail))
    return tuple(out)
