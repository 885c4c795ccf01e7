"""Check a derivation step by step: each line against the one before, as functions of the
variables and of the differentials, at the numeric and exact levels.

For ``grad(f, X)`` the first step must equal ``d(f)``, and ``identify: G`` must satisfy
``inner(G, d(X)) = last step`` and ``G = rhs`` (under the entry's convention). For
``jacobian(F, X)``, ``identify: J`` must satisfy ``J @ vec(d(X)) = vec(last step)``. For a
plain identity the steps chain from the left side to the right side.
"""

from __future__ import annotations

from identity_book.catalogue.compile import Compiled, CompiledStep
from identity_book.expr.nodes import ONE, Node
from identity_book.expr.text import to_text
from identity_book.verify.checks import Settings, exact_check, numeric_check, small_counterexample
from identity_book.verify.generator import GRADIENTS, Unsupported, const, derivation_steps, eye, is_derivative, mm, tp
from identity_book.verify.results import DerivationReport, LevelResult, StepReport

JACOBIANS = ("jacobian", "hess", "hess_vec")
STEP_SETTINGS = {"numeric_sizes": 2, "numeric_points": 1, "exact_sizes": 2, "exact_points": 1}


def _convention(lhs: Node, g: Node) -> Node:
    """What the identity's left side is, given the plain gradient G."""
    if lhs.op == "grad_sym":
        return Node("divide", (const(2), Node("add", (g, tp(g)), g.shape)), g.shape)
    if lhs.op == "grad_distinct":
        assert g.shape is not None
        diagonal = Node("hadamard", (g, eye(g.shape[0])), g.shape)
        return Node("sub", (Node("add", (g, tp(g)), g.shape), diagonal), g.shape)
    return g


def first_reference(lhs: Node) -> Node:
    """What a derivation's first step is checked against: d(f) for a derivative of f (the
    gradient's differential for a Hessian), else the left side itself."""
    if lhs.op not in (*GRADIENTS, *JACOBIANS):
        return lhs
    f, x = lhs.args
    if lhs.op in ("hess", "hess_vec"):  # the Jacobian of the gradient
        f = Node("grad", (f, x), x.shape)
        if lhs.op == "hess_vec":
            assert x.shape is not None
            f = Node("vec", (f,), (x.shape[0] * x.shape[1], ONE))
    return Node("d", (f,), f.shape)


def _pairs(c: Compiled, steps: list[CompiledStep]) -> list[tuple[int, Node, Node, str]]:
    """(step number, claimed, reference, what it is compared with)."""
    lhs = c.lhs
    derivative = lhs.op in (*GRADIENTS, *JACOBIANS)
    pairs = []
    previous = first_reference(lhs)
    what = "the differential of the left side" if derivative else "the left side"
    for i, step in enumerate(steps, start=1):
        if step.kind == "identify" and derivative:
            x = lhs.args[1]
            dx = Node("d", (x,), x.shape)
            if lhs.op in JACOBIANS:
                size = ONE if x.shape is None else x.shape[0] * x.shape[1]  # a scalar t: vec(dt) = dt
                vec_dx = Node("vec", (dx,), (size, ONE))
                pairs.append((i, mm(step.node, vec_dx), previous, f"the previous step (vec form), step {i - 1}"))
                pairs.append((i, step.node, c.rhs, "the right side"))
            else:
                pairs.append((i, Node("inner", (step.node, dx)), previous, f"step {i - 1} as G : dX"))
                pairs.append((i, _convention(lhs, step.node), c.rhs, "the right side"))
            return pairs
        pairs.append((i, step.node, previous, what))
        previous, what = step.node, f"step {i}"
    if not derivative:
        pairs.append((len(steps), previous, c.rhs, "the right side"))
    return pairs


def check_steps(c: Compiled, steps: list[CompiledStep], settings: Settings, source: str) -> DerivationReport:
    """Verify every step; stop at the first one that fails."""
    report = DerivationReport(source, "passed")
    report.steps = [StepReport(i, s.kind, _text(s), s.because) for i, s in enumerate(steps, start=1)]
    if c.lhs.op in (*GRADIENTS, *JACOBIANS) and (not steps or steps[-1].kind != "identify"):
        report.outcome, report.detail = "failed", "a derivative's derivation ends with 'identify: G'"
        return report
    names = tuple(
        sorted(
            {str(n.args[0].value) for s in steps for n in s.node.walk() if n.op == "d"}
            | ({str(c.lhs.args[1].value)} if c.lhs.op in (*GRADIENTS, *JACOBIANS) else set())
        )
    )
    small = Settings(**{**settings.__dict__, **STEP_SETTINGS})
    for index, claimed, reference, what in _pairs(c, steps):
        step = report.steps[index - 1]
        for level in (exact_check, numeric_check):
            result: LevelResult = level(c, small, claimed, reference, names)
            if result.outcome == "failed":
                step.outcome = "failed"
                step.detail = f"step {index} does not equal {what}"
                cx = small_counterexample(c, settings, claimed, reference, tries=100, differentials=names)
                step.counterexample = cx or result.counterexample
                report.outcome, report.detail = "failed", step.detail
                return report
            if result.outcome == "inconclusive" and level is numeric_check and step.outcome != "passed-exact":
                step.outcome, step.detail = "inconclusive", result.detail
            elif result.outcome == "passed" and level is exact_check:
                step.outcome = "passed-exact"
    for step in report.steps:
        if step.outcome == "passed-exact":
            step.outcome = "passed"
    if any(s.outcome != "passed" for s in report.steps):
        report.outcome = "inconclusive"
        report.detail = "some steps could not be decided"
    return report


def _text(step: CompiledStep) -> str:
    return to_text(step.node)


def derivations_for(c: Compiled, settings: Settings) -> tuple[DerivationReport | None, DerivationReport | None]:
    """The written derivation, checked, and a generated one for a derivative identity, checked."""
    written = check_steps(c, list(c.steps), settings, "written") if c.steps else None
    if not is_derivative(c.lhs):
        return written, None
    try:
        generated_steps = derivation_steps(c.lhs)
    except Unsupported as exc:
        return written, DerivationReport("generated", "skipped", detail=f"none generated: {exc}")
    return written, check_steps(c, generated_steps, settings, "generated")


__all__ = ["DerivationReport", "derivations_for"]
