"""Unit tests of the handbook's parts: escaping, the latex whitelist, wording, the gate."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sympy

from identity_book import texunicode
from identity_book.catalogue.latexcheck import check_identity_latex, check_latex
from identity_book.catalogue.records import Identity
from identity_book.errors import Location
from identity_book.escape import Raw, finalize_for, md_escape, raw_id, tex_escape
from identity_book.expr.latex import to_latex
from identity_book.handbook import mathtex
from identity_book.handbook.derivation import broken, wrap_rules
from identity_book.handbook.pdf import log_problems
from identity_book.handbook.policy import UnpublishableError, check_publishable
from identity_book.verdict import level_lines, step_marks, verdict
from identity_book.verify.results import DerivationReport, LevelResult, Result, StepReport

# -- escaping ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain words", "plain words"),
        ("<script>", r"\<script\>"),
        ("a_b *c* `d`", r"a\_b \*c\* \`d\`"),
        ("$x$ {role}`y`", r"\$x\$ \{role\}\`y\`"),
        ("1. item", r"1\. item"),
        ("line\nbreak", "line break"),
        ("&amp;", r"\&amp\;"),
        ("ᵀ ‖ ⊗", "ᵀ ‖ ⊗"),
    ],
)
def test_md_escape(text: str, expected: str) -> None:
    assert md_escape(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"\input{x}", r"\textbackslash{}input\{x\}"),
        ("50% #1 a_b $", r"50\% \#1 a\_b \$"),
        (
            "^ ~ & < > |",
            r"\textasciicircum{} \textasciitilde{} \& \textless{} \textgreater{} \textbar{}",
        ),
    ],
)
def test_tex_escape(text: str, expected: str) -> None:
    assert tex_escape(text) == expected


def test_raw_is_printed_as_is_and_ids_are_checked() -> None:
    assert md_escape(Raw(r"\frac{a}{b}")) == r"\frac{a}{b}"
    assert raw_id("trace-axb") == "trace-axb"
    with pytest.raises(ValueError):
        raw_id("no spaces")


def test_finalize_escapes_numbers_and_refuses_none() -> None:
    finalize = finalize_for("md")
    assert finalize(3) == "3"
    assert finalize(2.5) == r"2\.5"
    with pytest.raises(ValueError):
        finalize(None)


# -- the latex: whitelist --------------------------------------------------------------------


@pytest.mark.parametrize(
    "tex",
    [
        r"\frac{\partial \log\det\mathbf{X}}{\partial \mathbf{X}} = \mathbf{X}^{-\top}",
        r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}",
        r"\operatorname{tr}\left(\mathbf{A}\mathbf{B}\right) = \operatorname{tr}(\mathbf{BA})",
        r"\begin{aligned} x &= y \\ &= z \end{aligned}",
        r"\begin{array}{cc} 1 & 2 \end{array}",
        r"\mathbf{A} \otimes \mathbf{B} \,\; \alpha_{ij}",
    ],
)
def test_latex_whitelist_accepts_math(tex: str) -> None:
    assert check_latex(tex) == []


@pytest.mark.parametrize(
    ("tex", "message"),
    [
        (r"\input{/etc/passwd}", r"macro \input"),
        (r"\write18{rm -rf /}", r"macro \write"),
        (r"\openout1=x", r"macro \openout"),
        (r"\catcode`\^=11", r"macro \catcode"),
        (r"\def\x{y}", r"macro \def"),
        (r"\csname input\endcsname", r"macro \csname"),
        (r"\href{javascript:x}{y}", r"macro \href"),
        (r"\require{html}", r"macro \require"),
        (r"^^5cinput", "'^^'"),
        (r"x $ y", "'$'"),
        (r"x % comment", "'%'"),
        (r"a}", "unbalanced '}'"),
        (r"{a", "unbalanced '{'"),
        (r"\begin{verbatim}x\end{verbatim}", "environment 'verbatim'"),
        (r"\begin{aligned} x \end{matrix}", "does not match"),
        (r"\begin{aligned} x", "never ended"),
        ("a\n\nb", "blank lines"),
        (":label: x", "may not start with ':'"),
        (r"\(x\)", "control symbol"),
        ("x" * 3000, "at most"),
    ],
)
def test_latex_whitelist_rejects(tex: str, message: str) -> None:
    problems = check_latex(tex)
    assert problems, tex
    assert any(message in p for p in problems), problems


def _identity(**fields: object) -> Identity:
    base: dict[str, object] = {
        "id": "some-id",
        "title": "A title",
        "location": Location("identities/x/y.yaml", 3, 5),
        "variables": (),
        "lhs": "1",
        "rhs": "1",
        "chapter": "x",
        "section": "y",
        "field_locations": {"latex": Location("identities/x/y.yaml", 9, 12)},
    }
    base.update(fields)
    return Identity(**base)  # type: ignore[arg-type]


def test_latex_problem_names_file_line_and_id() -> None:
    diags = check_identity_latex(_identity(latex=r"\input{x}"))
    assert [str(d) for d in diags] == [
        r"identities/x/y.yaml:9:12: some-id: latex: macro \input is not allowed in a latex display"
    ]
    assert check_identity_latex(_identity(latex=r"\mathbf{A}")) == []
    assert check_identity_latex(_identity()) == []


# -- generated math ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tex", "bad"),
    [
        (r"\mathbf{A}^{-1}^{\top}", 1),
        (r"\mathbf{A}^{k}^{-1} = \mathbf{A}^{-1}^{k}", 2),
        (r"x_{i}_{j}", 1),
        (r"{\mathbf{A}^{-1}}^{\top}", 0),
        (r"x_{i}^{2} + \left(x^2\right)^{3} + \^a", 0),
    ],
)
def test_double_scripts(tex: str, bad: int) -> None:
    assert len(mathtex.double_scripts(tex)) == bad


@pytest.mark.parametrize(
    ("value", "tex"),
    [
        (3, "3"),
        ("-3/4", r"-\tfrac{3}{4}"),
        (0.5, "0.5"),
        (1.5e-12, r"1.5 \times 10^{-12}"),
        ("evil\\input", r"\,?\,"),
        ([[1, 2], [3, 4]], r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}"),
    ],
)
def test_counterexample_values(value: object, tex: str) -> None:
    assert mathtex.value(value) == tex


def test_unicode_for_pdf() -> None:
    assert texunicode.unprintable("Aᵀ‖x‖₂ ⊗ ∂ é – ≻") == []
    assert texunicode.unprintable("☃") == ["'☃' (U+2603 SNOWMAN)"]
    assert r"\DeclareUnicodeCharacter{1D40}" in texunicode.preamble()


# -- what a result is called -------------------------------------------------------------------


def _result(status: str, strength: str | None = None, expected: str | None = None, **kw: object) -> Result:
    return Result("some-id", "identities/x/y.yaml", 3, status, strength, expected=expected, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("result", "state", "words"),
    [
        (_result("verified", "proved"), "verified", "Verified (proved for all sizes)"),
        (
            _result("verified", "proved-at-sizes", checks={"symbolic": LevelResult("passed", [{"n": 2}])}),
            "verified",
            "Verified (proved for n = 2, not for all sizes)",
        ),
        (_result("verified", "numeric"), "verified", "Verified (numeric)"),
        (_result("refuted", expected="erratum"), "erratum", "Erratum"),
        (_result("verified", "exact", expected="erratum"), "error", "Listed as an erratum"),
        (_result("inconclusive", expected="awaiting-proof"), "awaiting-proof", "Awaiting proof"),
        (_result("verified", "exact", expected="awaiting-proof"), "verified", "Verified (exact)"),
        (_result("refuted"), "refuted", "Refuted"),
        (_result("inconclusive"), "inconclusive", "Inconclusive"),
        (_result("error", message="boom"), "error", "Error: boom"),
    ],
)
def test_verdict_wording(result: Result, state: str, words: str) -> None:
    v = verdict(result)
    assert v.state == state
    assert v.headline.startswith(words)
    if result.status != "verified":
        assert "Verified" not in v.headline


def test_levels_report_what_was_done() -> None:
    result = _result("verified", "exact")
    result.checks = {
        "shapes": LevelResult("passed", detail="both sides conform"),
        "numeric": LevelResult("passed", [{"n": 2}, {"n": 3}], 4, 2.5e-16, 1e-9),
        "exact": LevelResult("passed", [{"n": 2}], 2, 0.0, 0.0),
        "symbolic": LevelResult("skipped", detail="no symbolic form for orthogonal"),
    }
    lines = {line.name: line for line in level_lines(result)}
    assert (
        lines["Numeric"].text == "4 points; sizes (n = 2); (n = 3); worst relative residual 2.5e-16 (tolerance 1e-09)"
    )
    assert lines["Exact arithmetic"].mark == "✓"
    assert lines["Symbolic"].outcome == "skipped"
    assert lines["Symbolic"].text == "no symbolic form for orthogonal"


def test_steps_without_a_derivation_level_are_not_marked_checked() -> None:
    marks = step_marks(_result("verified", "proved"), 3)
    assert not marks.checked
    assert "not yet step-checked" in marks.summary
    assert [m.outcome for m in marks.marks] == ["unchecked"] * 3


def test_steps_with_per_step_outcomes() -> None:
    result = _result("refuted")
    result.checks["derivation"] = LevelResult("failed")
    result.derivation = DerivationReport(
        "written",
        "failed",
        [
            StepReport(1, "step", "tr(d(X))", None, "passed"),
            StepReport(2, "step", "tr(X)", None, "failed", "sides differ"),
            StepReport(3, "identify", "I(n)", None, "skipped"),
        ],
        "step 2 does not equal step 1",
    )
    marks = step_marks(result, 3)
    assert marks.checked
    assert [m.mark for m in marks.marks] == ["✓", "✗", "–"]
    assert marks.marks[1].detail == "sides differ"
    assert marks.summary == "A step of this derivation failed its check."
    # no report, only the level (a budget exceeded): the level's word, no step marked passed
    result.derivation = None
    result.checks["derivation"] = LevelResult("inconclusive", detail="derivation check exceeded its budget")
    marks = step_marks(result, 2)
    assert [m.outcome for m in marks.marks] == ["unchecked", "unchecked"]
    assert marks.summary == "The step check was inconclusive: derivation check exceeded its budget"


# -- the publishing gate -------------------------------------------------------------------


def test_gate_refuses_refuted_and_inconclusive_with_location() -> None:
    good = [_result("verified", "proved"), _result("refuted", expected="erratum")]
    assert check_publishable(good, allow_unverified=False) == []
    bad = [*good, _result("refuted", message="sides differ"), _result("inconclusive")]
    with pytest.raises(UnpublishableError) as info:
        check_publishable(bad, allow_unverified=False)
    assert len(info.value.problems) == 2
    assert info.value.problems[0].startswith("identities/x/y.yaml:3: some-id: Refuted")
    assert "--allow-unverified" in str(info.value)
    assert len(check_publishable(bad, allow_unverified=True)) == 2


def test_latex_log_problems() -> None:
    log = (
        "stuff\n./book.tex:12: Double superscript.\n<argument> x^1^2\nl.12 x\n"
        "LaTeX Warning: Reference `a' on page 1 undefined on input line 3.\n"
    )
    problems = log_problems(log)
    assert len(problems) == 1 and problems[0].startswith("./book.tex:12: Double superscript.")
    assert log_problems("LaTeX Warning: Reference `a' on page 1 undefined on input line 3.\n")
    assert log_problems("all fine\n") == []


def test_steps_marked_from_the_verifier_report() -> None:
    result = _result("verified", "proved")
    result.checks["derivation"] = LevelResult("passed")
    report = DerivationReport(
        "written",
        "inconclusive",
        [
            StepReport(1, "step", "tr(d(X))", None, "passed"),
            StepReport(2, "step", "tr(X)", None, "inconclusive", "no sample point"),
        ],
        "some steps could not be decided",
    )
    result.derivation = report
    marks = step_marks(result, 2)
    assert marks.checked and [m.mark for m in marks.marks] == ["✓", "?"]
    assert marks.summary == "The step check was inconclusive: some steps could not be decided"
    # a report about a generated derivation says nothing about the written steps
    result.derivation = DerivationReport("generated", "inconclusive", report.steps, report.detail)
    assert [m.outcome for m in step_marks(result, 2).marks] == ["passed", "passed"]


# -- derivation displays -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tex"),
    [
        ("cyclic property of the trace", r"\text{cyclic property of the trace}"),
        ("tr(AᵀB) ⇒ G", r"\text{tr(AᵀB) ⇒ G}"),
        ("a & b", r"\text{a }\&\text{ b}"),
        (r"\input{x}", r"\backslash \text{input}\{\text{x}\}"),
        ("$x$ 50% #1", r"\$\text{x}\$\text{ 50}\%\text{ }\#\text{1}"),
        ("a_b ^ ~", r"\text{a}\_\text{b }\hat{}\text{ }\sim "),
        ("<b>|`q`", r"<\text{b}>\vert \backprime \text{q}\backprime "),
        ("line\nbreak\x07", r"\text{line break}"),
    ],
)
def test_rule_text_inside_math(text: str, tex: str) -> None:
    """Catalogue text in a derivation's display: no macro, brace or '&' of its own survives."""
    assert mathtex.text(text) == tex


def test_rule_text_never_leaks_a_special_character() -> None:
    evil = "\\}{$&#%_^~<>|`" * 3
    inside = re.findall(r"\\text\{([^}]*)\}", mathtex.text(evil))
    assert all(not set(run) & set("\\{}$&#%_^~`") for run in inside)


def test_rules_are_wrapped_without_orphans() -> None:
    assert wrap_rules(["short; rules; share a line"]) == ["short; rules; share a line"]
    lines = wrap_rules(["tr(Mᵀ dX) = M : dX, tr(M dXᵀ) = M : dX; collect terms"])
    assert lines == ["tr(Mᵀ dX) = M : dX, tr(M dXᵀ) = M : dX;", "collect terms"]
    # "constant factors stay: d(AXB) = A dX B" is a little too long; its last word stays on it
    assert wrap_rules(["constant factors stay: d(AXB) = A dX B"], width=36) == [
        "constant factors stay: d(AXB) = A dX B"
    ]
    assert all(len(line) <= 44 for line in wrap_rules(["word " * 40]))


def test_long_sums_break_before_a_sign() -> None:
    from identity_book.expr.parser import Scope, parse

    shapes = {"A": (sympy.Symbol("n"), sympy.Symbol("n")), "X": (sympy.Symbol("n"), sympy.Symbol("n"))}
    scope = Scope(shapes, frozenset({"n"}), differentials=True)
    node = parse("tr(A @ d(X) @ A @ X) + tr(X @ A @ d(X) @ A) - tr(A @ X @ A @ d(X) + X)", scope)
    assert broken(node, 200) == [f"= {to_latex(node)}"]
    lines = broken(node, 12)
    assert len(lines) == 3 and lines[0].startswith("= ")
    assert lines[1].startswith(r"\quad {} + \operatorname{tr}")
    assert lines[2].startswith(r"\quad {} - \operatorname{tr}\left(")  # a subtracted sum keeps its parentheses


@pytest.mark.parametrize(
    ("outcome", "tex"),
    [
        ("passed", r"\textcolor[RGB]{27,120,55}{\checkmark}"),
        ("failed", r"\textcolor[RGB]{178,24,43}{\boldsymbol{\times}\ \text{failed}}"),
        ("inconclusive", r"\textcolor[RGB]{178,24,43}{\text{? undecided}}"),
        ("skipped", r"\text{not checked}"),
        ("unchecked", ""),
    ],
)
def test_step_marks(outcome: str, tex: str) -> None:
    assert mathtex.step_mark(outcome) == tex


def test_mathjax_gets_the_handbook_macros() -> None:
    from identity_book.handbook.sphinxext import MATHJAX_CONFIG, mathjax_config

    ours = mathjax_config(None, ours=True)
    assert ours["svg"] == MATHJAX_CONFIG["svg"] and set(ours["tex"]["macros"]) == {"ibfit", "ibrule"}
    theirs = mathjax_config({"tex": {"macros": {"R": r"\mathbb{R}", "ibfit": ["x", 1]}}}, ours=False)
    assert theirs["tex"]["macros"]["R"] == r"\mathbb{R}" and theirs["tex"]["macros"]["ibfit"] == ["x", 1]
    assert "svg" not in theirs
    assert mathjax_config("window.MathJax = {}", ours=False) == "window.MathJax = {}"


def test_compiled_templates_are_kept_and_those_of_other_code_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from identity_book import templates

    for kind in ("md", "tex", "html", "cite"):
        monkeypatch.setattr(templates.environment(kind, None), "bytecode_cache", None)
    folder = tmp_path / "templates"
    md = templates.environment("md", None)
    templates.keep_compiled(folder, "a" * 64)
    md.cache.clear()  # type: ignore[union-attr]
    md.get_template("handbook/links.md")
    kept = sorted(p.name for p in folder.iterdir())
    assert len(kept) == 1 and kept[0].startswith("a" * 16 + "-")
    templates.keep_compiled(folder, "b" * 64)  # other code: its compiled templates are not reused
    assert list(folder.iterdir()) == []
    md.cache.clear()  # type: ignore[union-attr]
    md.get_template("handbook/links.md")
    assert [p.name[:16] for p in folder.iterdir()] == ["b" * 16]
