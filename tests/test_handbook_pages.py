"""The generated MyST pages, from the small test catalogue with fixed verification results.

The pages are compared with the checked-in files under ``tests/handbook_expected/``; after an
intended change, regenerate them with
``IDENTITY_BOOK_UPDATE_EXPECTED=1 pytest tests/test_handbook_pages.py`` and review the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from identity_book import config
from identity_book.catalogue.loader import load_catalogue
from identity_book.catalogue.records import Catalogue
from identity_book.handbook import chart, indexes
from identity_book.handbook.book import Book, make_book
from identity_book.handbook.concordance import load_concordance
from identity_book.handbook.pages import MARKER, render_pages, write_pages
from identity_book.handbook.policy import HandbookError
from identity_book.templates import TemplateError, render, template_dir
from identity_book.verify.results import Counterexample, DerivationReport, LevelResult, Result, StepReport

HERE = Path(__file__).parent
CATALOGUE = HERE / "handbook_catalogue"
CONCORDANCE = HERE / "concordance" / "matrix-cookbook.yaml"
EXPECTED = HERE / "handbook_expected"

# What the verifier reports about derivations, fixed: trace-axb's written steps all pass, and
# grad-trace-xa (no written derivation) gets a generated one.
WRITTEN = ["d(tr(A @ X @ B))", "tr(A @ d(X) @ B)", "tr(B @ A @ d(X))", "inner((B @ A).T, d(X))", "A.T @ B.T"]
GENERATED = [
    ("step", "tr(d(X @ A))", "d tr(M) = tr(dM)"),
    ("step", "tr(d(X) @ A)", "constant factors stay: d(AXB) = A dX B"),
    ("step", "tr(A @ d(X))", "cyclic property: tr(ABC) = tr(CAB)"),
    ("step", "inner(A.T, d(X))", "tr(Mᵀ dX) = M : dX, tr(M dXᵀ) = M : dX; collect terms"),
    ("identify", "A.T", "dφ = G : dX  ⇒  ∂φ/∂X = G"),
]


# the generated derivation shown beside trace-axb's written one
BESIDE = [
    ("step", "tr(d(A @ X @ B))", "d tr(M) = tr(dM)"),
    ("step", "tr(A @ d(X) @ B)", "constant factors stay: d(AXB) = A dX B"),
    ("step", "tr(B @ A @ d(X))", "cyclic property: tr(ABC) = tr(CAB)"),
    ("step", "inner(A.T @ B.T, d(X))", "tr(Mᵀ dX) = M : dX, tr(M dXᵀ) = M : dX; collect terms"),
    ("identify", "A.T @ B.T", "dφ = G : dX  ⇒  ∂φ/∂X = G"),
]


def generated_report(steps: list[tuple[str, str, str]], outcome: str = "passed") -> DerivationReport:
    items = [StepReport(i, k, e, b, "passed") for i, (k, e, b) in enumerate(steps, start=1)]
    return DerivationReport("generated", outcome, items)


def fixed_derivation(ident_id: str) -> DerivationReport | None:
    if ident_id == "trace-axb":
        kinds = ["step"] * (len(WRITTEN) - 1) + ["identify"]
        steps = [StepReport(i, k, e, None) for i, (k, e) in enumerate(zip(kinds, WRITTEN, strict=True), start=1)]
        return DerivationReport("written", "passed", steps)
    if ident_id == "grad-trace-xa":
        return generated_report(GENERATED)
    return None


def fixed_result(ident_id: str, file: str, line: int, expected: str | None) -> Result:
    """A verification result that does not depend on the machine (for golden pages)."""
    sizes = [{"n": 2}, {"n": 3}]
    if expected == "erratum":
        cx = Counterexample(
            seed=0,
            sizes={"n": 2},
            values={"X": [[0, -1], [0, -1]], "A": [[-1, -1], [1, 0]]},
            lhs=[[-1, 1], [-1, 0]],
            rhs=[[-1, -1], [1, 0]],
            exact=True,
        )
        checks = {
            "shapes": LevelResult("passed", detail="both sides conform and agree in shape"),
            "numeric": LevelResult("failed", sizes[:1], 1, 0.5, 1e-9, detail="sides differ"),
            "exact": LevelResult("failed", sizes[:1], 1, detail="sides differ exactly"),
        }
        return Result(ident_id, file, line, "refuted", None, checks, None, cx, "sides differ", expected)
    checks = {
        "shapes": LevelResult("passed", detail="both sides conform and agree in shape"),
        "numeric": LevelResult("passed", sizes, 4, 1.25e-16, 1e-9),
        "exact": LevelResult("passed", sizes, 4, 0.0, 0.0),
        "symbolic": LevelResult("passed", [{"n": 2}], 1, 0.0, 0.0, detail="proved for n = 2"),
    }
    report = fixed_derivation(ident_id)
    if report:
        checks["derivation"] = LevelResult("passed", detail=f"{report.source}: every step verified")
    result = Result(ident_id, file, line, "verified", "proved", checks, 1.25e-16, expected=expected)
    result.derivation = report
    if ident_id == "trace-axb":
        result.generated_derivation = generated_report(BESIDE)
        # the prover's certificate, as the prover level writes it
        checks["prover"] = LevelResult("passed", [], 1, 0.0, 0.0, detail="proved for all sizes")
        checks["symbolic"] = LevelResult("skipped", detail="not needed: proved for all sizes by the prover")
        form = "[i;j] Σ_{a} A_{ai} B_{ja}"
        result.proof = {"lhs": form, "rhs": form, "terms": 1, "rules": [], "ops": 20}
    return result


def fixed_results(catalogue: Catalogue) -> list[Result]:
    return [fixed_result(i.id, i.file, i.location.line, i.status) for i in catalogue]


@pytest.fixture
def reproducible(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    monkeypatch.setattr(config, "BOOK_URL", "https://example.org/book/")


@pytest.fixture
def book(reproducible: None) -> Book:
    catalogue = load_catalogue(CATALOGUE)
    return make_book(catalogue, fixed_results(catalogue), load_concordance(CONCORDANCE, catalogue))


def test_pages_match_expected_output(book: Book) -> None:
    pages = render_pages(book)
    assert sorted(pages) == [
        "chapters/basics.md",
        "chapters/derivatives.md",
        "chapters/index.md",
        "indexes/cookbook.md",
        "indexes/errata.md",
        "indexes/formula-search.md",
        "indexes/index.md",
        "indexes/status.md",
        "indexes/tags.md",
    ]
    if os.environ.get("IDENTITY_BOOK_UPDATE_EXPECTED"):
        for rel, text in pages.items():
            (EXPECTED / rel).parent.mkdir(parents=True, exist_ok=True)
            (EXPECTED / rel).write_text(text, encoding="utf-8")
    for rel, text in pages.items():
        expected = (EXPECTED / rel).read_text(encoding="utf-8")
        assert text == expected, f"{rel} differs from tests/handbook_expected/{rel}"


def test_every_identity_has_number_anchor_statement_and_cite_block(book: Book) -> None:
    pages = render_pages(book)
    text = pages["chapters/derivatives.md"]
    assert "```{ib-anchor} trace-axb\n```\n\n### 2.1.1 Gradient of tr\\(AXB\\)" in text
    assert r"= \mathbf{A}^{\top} \mathbf{B}^{\top}" in text
    assert "<https://example.org/book/chapters/derivatives.html#trace-axb>" in text
    assert "@misc{idb:trace-axb," in text
    assert "### 2.1.4 Gradient of log det X for a positive definite X" in text
    # the hand-written display is printed instead of the generated one
    assert r"\frac{\partial \log\det\mathbf{X}}{\partial \mathbf{X}} = \mathbf{X}^{-\top}" in text


def test_written_derivation_is_aligned_with_rules_and_marks(book: Book) -> None:
    text = render_pages(book)["chapters/derivatives.md"]
    entry = text.split("```{ib-anchor} trace-axb\n```")[1].split("ib-anchor")[0]
    assert "**Derivation.** Every step was checked against the one before\\." in entry
    display = entry.split("````{math}\n:class: ib-derivation\n\n")[1].split("\n````")[0]
    lines = display.splitlines()
    # \ibfit: the PDF scales a display wider than the page (MathJax: the identity)
    assert lines[0] == r"\ibfit{\begin{aligned}" and lines[-1] == r"\end{aligned}}"
    # the first written step restates d(lhs) and becomes the left side of the first line
    assert lines[1].startswith(
        r"\mathinner{\mathrm{d}\operatorname{tr}\left(\mathbf{A} \mathbf{X} \mathbf{B}\right)} &= "
        r"\operatorname{tr}\left(\mathbf{A} \mathinner{\mathrm{d}\mathbf{X}} \mathbf{B}\right)"
    )
    steps = [line for line in lines if line.startswith("&= ")]
    assert [line.split(" && ")[1] for line in steps] == [
        r"\ibrule{\text{cyclic property of the trace}}",
        r"\ibrule{\text{tr(MᵀdX) = M : dX}}",
    ]
    # the rules of the merged first two steps continue under the first line, without marks
    rules = lines[2:4]
    assert all(line.startswith(r"& && \ibrule{") and "checkmark" not in line for line in rules)
    assert rules[1] == r"& && \ibrule{\text{linearity: d(AXB) = A dX B}} \\"
    last = lines[-2]
    assert last.startswith(r"\Longrightarrow\quad \frac{\partial}{\partial \mathbf{X}}")
    assert r"&= \mathbf{A}^{\top} \mathbf{B}^{\top} &&" in last
    marked = [line for line in lines if line.endswith((r"{\checkmark} \\", r"{\checkmark}"))]
    assert marked == [lines[1], *steps, last]  # one mark per line of the derivation
    assert "\n\n" not in display  # one equation: a blank line would split it


def test_a_generated_derivation_stands_beside_a_written_one(book: Book) -> None:
    text = render_pages(book)["chapters/derivatives.md"]
    entry = text.split("```{ib-anchor} trace-axb\n```")[1].split("ib-anchor")[0]
    written, generated = entry.split("**Derivation.**")[1].split("**Derivation (generated).**")
    assert ":class: ib-derivation\n" in written and "ib-derivation-generated" not in written
    assert ":class: ib-derivation ib-derivation-generated" in generated
    assert r"\ibrule{\text{d tr(M) = tr(dM)}}" in generated
    assert generated.count(r"\checkmark") == len(BESIDE)


def test_generated_derivation_is_labelled(book: Book) -> None:
    text = render_pages(book)["chapters/derivatives.md"]
    entry = text.split("```{ib-anchor} grad-trace-xa\n```")[1].split("ib-anchor")[0]
    assert "**Derivation (generated).** Generated by identity\\-book" in entry
    assert ":class: ib-derivation ib-derivation-generated" in entry
    # a long rule continues on a line of its own, under its step
    assert "\n& && \\ibrule{\\text{collect terms}} \\\\\n" in entry
    assert entry.count(r"\checkmark") == len(GENERATED)
    # no derivation for an identity without a written one and without a generated report
    logdet = text.split("```{ib-anchor} logdet-gradient\n```")[1]
    assert "Derivation" not in logdet.split("````{admonition} Verification")[0]


def test_unchecked_and_failed_steps_are_marked(reproducible: None) -> None:
    from identity_book.catalogue.compile import compile_identity
    from identity_book.handbook.views import derivation

    catalogue = load_catalogue(CATALOGUE)
    ident = catalogue.get("trace-axb")
    assert ident is not None
    c = compile_identity(ident)
    result = fixed_result(ident.id, ident.file, ident.location.line, None)
    result.derivation = None
    del result.checks["derivation"]
    view = derivation(c, result)
    assert view is not None and not view.checked
    assert view.summary == "These steps are not yet step-checked."
    assert "checkmark" not in view.display and "failed" not in view.display
    outcomes = ["passed", "passed", "failed", "skipped", "skipped"]
    steps = [StepReport(i, "step", e, None, o) for i, (e, o) in enumerate(zip(WRITTEN, outcomes, strict=True), start=1)]
    steps[2].detail = "step 3 does not equal step 2"
    result.derivation = DerivationReport("written", "failed", steps)
    view = derivation(c, result)
    assert view is not None and view.checked
    assert view.failures == ["Step 3: failed (step 3 does not equal step 2)"]
    rows = [row for row in view.display.splitlines() if row.startswith("&= ")]
    assert r"\boldsymbol{\times}\ \text{failed}" in rows[0] and r"\text{not checked}" in rows[1]
    assert view.verified_steps == 2


def test_erratum_is_published_with_counterexample_and_correction(book: Book) -> None:
    text = render_pages(book)["chapters/derivatives.md"]
    entry = text.split("grad-trace-xa-printed\n```")[1].split("ib-anchor")[0]
    assert "✗ Erratum\\: the statement as printed is false" in entry
    assert "**Corrected version:** {ref}`2.1.2 <grad-trace-xa>`" in entry
    assert r"\mathbf{X} &= \begin{pmatrix} 0 & -1 \\ 0 & -1 \end{pmatrix}" in entry
    assert "Verified" not in entry


def test_special_characters_are_escaped(book: Book) -> None:
    text = render_pages(book)["chapters/basics.md"]
    # BibTeX and the entry's YAML are in fenced code blocks, shown literally; everything else is
    # Markdown. The YAML block's fence is longer than any backtick run in the entry.
    text = "".join(part.split("\n````\n", 1)[-1] for part in text.split("````bibtex\n"))
    yaml = text.split("```yaml\n- id: special-characters\n")[1].split("\n```\n")[0]
    assert "<script>alert(1)</script>" in yaml and "`code`" in yaml
    text = "".join(part.split("\n```\n", 1)[-1] for part in text.split("```yaml\n"))
    assert "<script>" not in text and "<b>" not in text
    assert r"\<script\>alert\(1\)\<\/script\>" in text
    assert r"\\input\{\/etc\/passwd\}" in text
    assert r"\[a link\]\(javascript\:alert\(1\)\)" in text
    assert "{ref}`x`" not in text


def test_indexes(book: Book) -> None:
    pages = render_pages(book)
    tags = pages["indexes/tags.md"]
    assert "```{ib-anchor} tag-trace\n:label: ib-tag:trace\n```" in tags
    cookbook = pages["indexes/cookbook.md"]
    # the file's equations in the HTML table, then the equations only cited, in a list-table
    assert re.findall(r"<tr class=\"row-(?:even|odd)\"><td><p>(\d+)</p></td>", cookbook) == ["57", "100", "101", "102"]
    rows = [line for line in cookbook.splitlines() if line.startswith("* - ") and line[4:5].isdigit()]
    assert rows == ["* - 16"]
    assert 'href="../chapters/derivatives.html#trace-axb"' in cookbook
    status = indexes.status(book)
    assert status.total == 7 and status.totals["proved"] == 6 and status.totals["erratum"] == 1
    assert [r.total for r in status.rows] == [3, 4]


def test_status_counts_derivations(book: Book) -> None:
    status = indexes.status(book)
    basics, derivatives = status.derivations
    assert (basics.derivative, basics.steps) == (0, 0)
    # the erratum is a derivative identity too, but a false statement has no derivation to count
    counts = (derivatives.derivative, derivatives.written, derivatives.generated, derivatives.none)
    assert counts == (3, 1, 1, 1)
    # steps of every derivation shown: the written one, the generated one beside it, and one alone
    assert (derivatives.steps_verified, derivatives.steps) == (15, 15)
    t = status.derivations_total
    assert (t.derivative, t.written, t.generated, t.none, t.steps_verified, t.steps) == (3, 1, 1, 1, 15, 15)
    text = render_pages(book)["indexes/status.md"]
    assert "Derivative identities: 3; with a written derivation: 1; with a\ngenerated one: 1; with none: 1." in text
    assert "* - 2 Derivatives\n  - 3\n  - 1\n  - 1\n  - 1\n  - 15 of 15\n" in text


def test_chart_escapes_labels(book: Book) -> None:
    status = indexes.status(book)
    row = status.rows[0]
    evil = type(row)("<Evil & co>", row.number, row.counts, row.total)
    fields = ("totals", "total", "categories", "statuses", "strengths", "derivations", "derivations_total")
    bad = type(status)([evil], *[getattr(status, f) for f in fields])
    svg = chart.svg(bad)
    assert "&lt;Evil &amp; co&gt;" in svg and "<Evil" not in svg
    assert r"\textless{}Evil \& co\textgreater{}" in chart.tex(bad)


def test_write_pages_rewrites_only_changes_and_removes_stale(tmp_path: Path) -> None:
    pages = {"chapters/a.md": "A\n", "indexes/b.md": "B\n"}
    assert sorted(write_pages(tmp_path, pages)) == ["chapters/a.md", "indexes/b.md"]
    assert (tmp_path / "chapters" / MARKER).exists()
    assert write_pages(tmp_path, pages) == []
    (tmp_path / "chapters" / "old.md").write_text("stale")
    assert write_pages(tmp_path, {**pages, "chapters/a.md": "A2\n"}) == ["chapters/a.md"]
    assert not (tmp_path / "chapters" / "old.md").exists()


def test_write_pages_never_touches_a_folder_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "mine.md").write_text("hand-written")
    with pytest.raises(HandbookError, match="was not made by identity-book"):
        write_pages(tmp_path, {"chapters/a.md": "A"})
    assert (tmp_path / "chapters" / "mine.md").read_text() == "hand-written"


def test_templates_are_found_and_strict(tmp_path: Path) -> None:
    assert (template_dir() / "handbook" / "identity.md").is_file()
    (tmp_path / "t.md").write_text("{{ missing }}\n")
    with pytest.raises(TemplateError, match="missing"):
        render("t.md", folder=str(tmp_path))


def test_missing_results_are_an_error(reproducible: None) -> None:
    catalogue = load_catalogue(CATALOGUE)
    with pytest.raises(HandbookError, match="no verification result"):
        make_book(catalogue, fixed_results(catalogue)[1:])


def test_generated_derivation_is_shown_only_when_every_step_passed(reproducible: None) -> None:
    from identity_book.catalogue.compile import compile_identity
    from identity_book.handbook.views import derivation

    catalogue = load_catalogue(CATALOGUE)
    ident = catalogue.get("grad-trace-xa")
    assert ident is not None and not ident.derivation
    result = fixed_result(ident.id, ident.file, ident.location.line, None)
    result.derivation = generated_report(GENERATED)
    view = derivation(compile_identity(ident), result)
    assert view is not None and view.checked
    assert view.generated and view.summary.startswith("Generated by identity-book")
    assert view.summary.endswith("Every step was checked against the one before.")
    assert [s.mark.mark for s in view.steps] == ["✓"] * 5
    assert view.steps[4].relation == r"\Longrightarrow"
    assert view.steps[3].math == r"\mathbf{A}^{\top} : \mathinner{\mathrm{d}\mathbf{X}}"
    # the first step is not d(tr(XA)) itself, so the display starts from it
    assert view.display.splitlines()[1].startswith(r"\mathinner{\mathrm{d}\operatorname{tr}\left(\mathbf{X} \mathbf{A}")
    result.derivation = generated_report(GENERATED, outcome="failed")
    assert derivation(compile_identity(ident), result) is None
    # a report whose steps are not the generator's (an older version, a tampered cache) is not shown
    result.derivation = generated_report([("step", "import os", "")])
    assert derivation(compile_identity(ident), result) is None


def test_templates_of_an_installed_wheel_come_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from identity_book import templates

    package = tmp_path / "site-packages" / "identity_book"
    (package / "templates" / "handbook").mkdir(parents=True)
    monkeypatch.setattr(templates, "PACKAGE_DIR", package)
    assert templates.template_dir() == package / "templates"
    (package / "templates" / "handbook").rmdir()
    with pytest.raises(TemplateError, match="templates not found"):
        templates.template_dir()


def test_a_long_chapter_gets_a_page_per_section_and_keeps_its_anchors(reproducible: None) -> None:
    catalogue = load_catalogue(CATALOGUE)
    book = make_book(catalogue, fixed_results(catalogue), split_over=3)  # 2 Derivatives has 4
    pages = render_pages(book)
    assert "chapters/derivatives/gradients.md" in pages and "chapters/basics/trace.md" not in pages
    section = pages["chapters/derivatives/gradients.md"]
    assert section.startswith("# 2.1 Gradients\n")
    assert "```{ib-anchor} trace-axb\n```\n\n## 2.1.1 Gradient of tr\\(AXB\\)" in section
    # the permalink is still the chapter page's anchor, which links to the new place
    assert "<https://example.org/book/chapters/derivatives.html#trace-axb>" in section
    chapter = pages["chapters/derivatives.md"]
    assert "```{toctree}\n:maxdepth: 1\n\nderivatives/gradients\n```" in chapter
    link = '<li id="trace-axb"><a href="derivatives/gradients.html#trace-axb">2.1.1</a> Gradient of tr(AXB)</li>'
    assert link in chapter
    assert "ib-anchor" not in chapter  # the identities' labels are on the section page only
    assert "### 1.1.1" in pages["chapters/basics.md"]  # a short chapter stays one page
