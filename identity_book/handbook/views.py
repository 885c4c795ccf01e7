"""What one identity looks like in the handbook: plain data the templates print.

Fields typed :class:`Raw` are generated LaTeX, ids or numbers; every other string is catalogue
or result text and is escaped by the template language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from identity_book.catalogue.compile import Compiled, compile_identity
from identity_book.catalogue.ledger import Ledger, Version, earlier_versions, version_of
from identity_book.catalogue.numbering import Numbered
from identity_book.catalogue.records import Variable
from identity_book.escape import Raw, raw_hash, raw_id, raw_number
from identity_book.expr.nodes import Node
from identity_book.expr.text import to_text
from identity_book.handbook import bibtex, mathtex, sources_text
from identity_book.handbook import derivation as display
from identity_book.handbook.sources import source
from identity_book.verdict import (
    LevelLine,
    StepMark,
    StepMarks,
    Verdict,
    level_lines,
    step_marks,
    verdict,
)
from identity_book.verify.generator import Unsupported, derivation_steps, is_derivative
from identity_book.verify.results import Counterexample, DerivationReport, Result


@dataclass(frozen=True)
class VariableView:
    symbol: Raw
    kind: str
    shape: Raw
    properties: str


@dataclass(frozen=True)
class StepView:
    relation: Raw  # "", "=", or "\Longrightarrow"
    math: Raw
    because: str
    mark: StepMark


@dataclass(frozen=True)
class DerivationView:
    checked: bool
    summary: str
    source: str  # "written" or "generated"
    steps: list[StepView]
    display: Raw  # the aligned display math, with the rules and the marks
    failures: list[str]  # one line per step that did not pass, with the verifier's detail

    @property
    def generated(self) -> bool:
        return self.source == "generated"

    @property
    def verified_steps(self) -> int:
        return sum(s.mark.outcome == "passed" for s in self.steps) if self.checked else 0


@dataclass(frozen=True)
class CounterexampleView:
    kind: str  # "exact", "50 digits" or "floating point"
    sizes: str
    values: list[tuple[Raw, Raw]]
    lhs: Raw
    rhs: Raw
    residual: str


@dataclass(frozen=True)
class ReferenceView:
    source: str
    eq: str
    note: str
    short: str = ""  # the source's short name, for the PDF's one-line mark


@dataclass(frozen=True)
class LinkView:
    id: Raw
    number: Raw
    title: str


@dataclass(frozen=True)
class ProofView:
    """The prover's certificate: both sides' normal form in index notation, and the rules used."""

    lhs: Raw  # fenced code blocks
    rhs: Raw
    rules: list[str]
    same: bool  # whether the two printed forms are the same text


def proof_view(result: Result) -> ProofView | None:
    data = getattr(result, "proof", None)
    if not isinstance(data, dict) or result.status != "verified":
        return None
    lhs, rhs = str(data.get("lhs", "")), str(data.get("rhs", ""))
    rules = [str(r) for r in data.get("rules", [])]
    return ProofView(sources_text.fenced(lhs, "text"), sources_text.fenced(rhs, "text"), rules, lhs == rhs)


@dataclass(frozen=True)
class DerivationFacts:
    """What the status page counts of a derivation an identity shows."""

    source: str  # "written" or "generated"
    verified_steps: int
    steps: int

    @property
    def generated(self) -> bool:
        return self.source == "generated"


@dataclass(frozen=True)
class Facts:
    """What the book-wide pages need of an identity's full view (kept with its cached block)."""

    derivative: bool
    derivation: DerivationFacts | None
    also_generated: DerivationFacts | None


@dataclass(frozen=True)
class Sources:
    """What an identity's view is made from."""

    numbered: Numbered
    result: Result
    ctx: Context


@dataclass(frozen=True)
class CachedBlock:
    """An identity's block as a build rendered it before, from the same sources."""

    text: str
    facts: Facts


@dataclass(frozen=True)
class IdentityView:
    """An identity as the handbook prints it.

    The fields are what the book-wide pages need; the rest (statement, derivations, BibTeX, ...)
    are computed when a template first asks, so an identity whose block is cached (``cached``)
    costs nothing more.
    """

    id: Raw
    number: Raw
    title: str
    docname: Raw
    dimensions: list[str]
    conditions: list[str]
    notes: str
    verdict: Verdict
    seed: int
    references: list[ReferenceView]
    tags: list[Raw]
    corrected_by: LinkView | None
    corrects: list[LinkView]
    permalink: Raw
    cite_key: Raw
    page: Raw  # the page it is printed on (its chapter's, or its section's own)
    sources: Sources = field(repr=False, compare=False)
    key: str = ""  # the digest of everything its block shows (handbook/blocks.py)
    cached: CachedBlock | None = None

    @cached_property
    def compiled(self) -> Compiled:
        return compile_identity(self.sources.numbered.identity)

    @cached_property
    def statement(self) -> Raw:
        return mathtex.statement(self.compiled)

    @cached_property
    def variables(self) -> list[VariableView]:
        return variables(self.compiled)

    @cached_property
    def derivative(self) -> bool:
        """A grad/jacobian/hess left side: one that has a derivation to show."""
        return is_derivative(self.compiled.lhs)

    @cached_property
    def derivation(self) -> DerivationView | None:
        """Written, or else generated."""
        return derivation(self.compiled, self.sources.result)

    @cached_property
    def also_generated(self) -> DerivationView | None:
        """A generated derivation beside a written one."""
        return generated_beside(self.compiled, self.sources.result)

    @cached_property
    def levels(self) -> list[LevelLine]:
        return level_lines(self.sources.result)

    @cached_property
    def proof(self) -> ProofView | None:
        """The prover's certificate, for an identity proved for all sizes."""
        return proof_view(self.sources.result)

    @cached_property
    def counterexample(self) -> CounterexampleView | None:
        return counterexample(self.sources.result.counterexample)

    @cached_property
    def _version(self) -> Version | None:
        return version_of(self.sources.numbered.identity, self.sources.ctx.published)

    @cached_property
    def bibtex(self) -> Raw:
        return Raw(bibtex.entry(self.sources.numbered, self.sources.result, self._version))

    @cached_property
    def version(self) -> str:
        """ "version 2" (from the ledger of published ids)."""
        return _version_text(self._version)

    @cached_property
    def earlier(self) -> list[tuple[str, str, Raw]]:
        """Earlier versions: number, statement, hash."""
        published = self.sources.ctx.published
        return [
            (str(v.number), v.statement, raw_hash(v.hash))
            for v in earlier_versions(self.sources.numbered.identity, published)
        ]

    @cached_property
    def yaml(self) -> Raw:
        """The entry as written in its catalogue file, fenced for a code block."""
        return sources_text.fenced(sources_text.entry_yaml(self.sources.numbered.identity), "yaml")

    @cached_property
    def tex(self) -> Raw:
        """The statement in plain LaTeX (no handbook macros), fenced for a code block."""
        return sources_text.fenced(mathtex.plain_statement(self.compiled), "latex")

    @cached_property
    def facts(self) -> Facts:
        if self.cached is not None:
            return self.cached.facts
        return Facts(self.derivative, _derivation_facts(self.derivation), _derivation_facts(self.also_generated))

    @property
    def qualified(self) -> list[VariableView]:
        """Variables whose properties the statement depends on (printed beside it in the PDF)."""
        return [v for v in self.variables if v.properties.removeprefix(FIXED) not in ("generic", "real", "–")]


def link(n: Numbered) -> LinkView:
    return LinkView(raw_id(n.identity.id), raw_number(n.number), n.identity.title)


FIXED = "fixed, "  # the mark of a fixed variable in an identity that has random ones

PROPERTY_NAMES = {
    "spd": "symmetric positive definite",
    "skew_symmetric": "skew-symmetric",
    "lower_triangular": "lower triangular",
    "upper_triangular": "upper triangular",
    "toeplitz": "Toeplitz",
    "permutation": "permutation matrix",
    "hermitian": "Hermitian",
    "skew_hermitian": "skew-Hermitian",
}


def properties(var: Variable) -> str:
    """The properties in words; "generic" for a matrix without any."""
    if var.integer is not None:
        return "–"
    words = ", ".join(PROPERTY_NAMES.get(p, p) for p in var.properties)
    if var.complex:
        return f"complex, {words}" if words else "complex"
    if not var.shape:
        return "real"
    return words or "generic"


def variables(c: Compiled) -> list[VariableView]:
    out = []
    for var in c.identity.variables:
        kind, shape = mathtex.variable_shape(var)
        props = mathtex.distribution(c, var) if var.distribution is not None else properties(var)
        if c.scope.random and var.distribution is None and var.integer is None:
            props = f"{FIXED}{props}"  # beside random variables, say which ones are fixed
        out.append(VariableView(mathtex.variable_symbol(c, var), kind, shape, props))
    return out


def derivation(c: Compiled, result: Result | None) -> DerivationView | None:
    """The written derivation, or one the verifier generated and checked step by step."""
    if c.steps:
        steps = [(s.kind, s.node, s.because or "") for s in c.steps]
        return _derivation_view(c, steps, step_marks(result, len(steps)), "written")
    return _generated_view(c, result, result.derivation if result else None)


def generated_beside(c: Compiled, result: Result | None) -> DerivationView | None:
    """The generated derivation the verifier checked beside a written one, when it passed."""
    report = result.generated_derivation if result else None
    if not c.steps or report is None:
        return None
    return _generated_view(c, result, report)


def _generated_view(c: Compiled, result: Result | None, report: DerivationReport | None) -> DerivationView | None:
    generated = _generated_steps(c, report)
    if not generated:
        return None
    marks = step_marks(result, len(generated), source="generated", report=report)
    return _derivation_view(c, generated, marks, "generated")


def _derivation_view(c: Compiled, steps: list[tuple[str, Node, str]], marks: StepMarks, source: str) -> DerivationView:
    out = []
    lines = []
    for i, ((kind, node, because), mark) in enumerate(zip(steps, marks.marks, strict=True)):
        if kind == "identify":
            relation, math = Raw(r"\Longrightarrow"), Raw(f"{mathtex.lhs(c)} = {mathtex.step(node)}")
        else:
            relation, math = Raw("=" if i else ""), mathtex.step(node)
        out.append(StepView(relation, math, because, mark))
        lines.append(display.Line(kind, node, because, mark))
    failures = [
        f"Step {i}: {s.mark.outcome}" + (f" ({s.mark.detail})" if s.mark.detail else "")
        for i, s in enumerate(out, start=1)
        if marks.checked and s.mark.outcome in ("failed", "inconclusive")
    ]
    summary = marks.summary
    if source == "generated":
        summary = "Generated by identity-book from the rules of matrix calculus. " + summary
    return DerivationView(marks.checked, summary, source, out, display.display(c, lines, marks.checked), failures)


def _generated_steps(c: Compiled, report: DerivationReport | None) -> list[tuple[str, Node, str]]:
    """Steps of a generated derivation that passed every check: the generator's own trees, used
    only when they are the steps the report checked (same text, step by step)."""
    if report is None or report.source != "generated" or report.outcome != "passed" or not report.steps:
        return []
    try:
        steps = derivation_steps(c.lhs)
    except Unsupported:
        return []
    if [to_text(s.node) for s in steps] != [s.expr for s in report.steps]:
        return []
    return [(s.kind, s.node, s.because or "") for s in steps]


def counterexample(data: Counterexample | None) -> CounterexampleView | None:
    if data is None:
        return None
    sizes = ", ".join(f"{k} = {v}" for k, v in data.sizes.items() if isinstance(v, int))
    values = []
    for name, v in data.values.items():
        if isinstance(name, str) and name.isidentifier():
            values.append((Raw(mathtex.symbol_for(name, v)), mathtex.value(v)))
    residual = ""
    if data.residual is not None and data.tolerance is not None:
        residual = f"relative residual {data.residual:.3g} > tolerance {data.tolerance:.0e}"
    return CounterexampleView(
        "exact" if data.exact else f"{data.digits} digits" if data.digits else "floating point",
        sizes,
        values,
        mathtex.value(data.lhs),
        mathtex.value(data.rhs),
        residual,
    )


def references(n: Numbered) -> list[ReferenceView]:
    return [
        ReferenceView(source(r.source).name, r.eq or "", r.note or "", source(r.source).short)
        for r in n.identity.references
    ]


@dataclass(frozen=True)
class Context:
    """What an identity's view needs to know about the rest of the book."""

    numbered: dict[str, Numbered]
    corrects: dict[str, list[str]]  # corrected id -> ids of errata it corrects
    published: Ledger = field(default_factory=dict)  # the ledger of published ids and versions


def _version_text(v: Version | None) -> str:
    return f"version {v.number}" if v else "not yet published"


def _derivation_facts(view: DerivationView | None) -> DerivationFacts | None:
    return DerivationFacts(view.source, view.verified_steps, len(view.steps)) if view else None


def identity_view(n: Numbered, result: Result, ctx: Context) -> IdentityView:
    ident = n.identity
    target = ctx.numbered.get(ident.corrects) if ident.corrects else None
    return IdentityView(
        id=raw_id(ident.id),
        number=raw_number(n.number),
        title=ident.title,
        docname=Raw(n.docname),
        dimensions=ident.size_notes(),
        conditions=list(ident.conditions),
        notes=ident.notes or "",
        verdict=verdict(result),
        seed=result.seed,
        references=references(n),
        tags=[raw_id(t) for t in ident.tags],
        corrected_by=link(target) if target else None,
        corrects=[link(ctx.numbered[i]) for i in ctx.corrects.get(ident.id, []) if i in ctx.numbered],
        permalink=Raw(bibtex.permalink(n)),
        cite_key=Raw(bibtex.key(ident.id)),
        page=Raw(n.docname),
        sources=Sources(n, result, ctx),
    )
