"""The generated MyST pages, from the small test catalogue with fixed verification results.

The pages are compared with the checked-in files under ``tests/handbook_expected/``; after an
intended change, regenerate them with
``IDENTITY_BOOK_UPDATE_EXPECTED=1 pytest tests/test_handbook_pages.py`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from identity_book import config
from identity_book.handbook import chart, indexes
from identity_book.handbook.book import Book, make_book
from identity_book.handbook.pages import MARKER, render_pages, write_pages
from identity_book.handbook.policy import HandbookError
from identity_book.handbook.templates import TemplateError, render, template_dir
from identity_book.loader import load_catalogue
from identity_book.model import Catalogue
from identity_book.verify.results import LevelResult, Result

HERE = Path(__file__).parent
CATALOGUE = HERE / "handbook_catalogue"
EXPECTED = HERE / "handbook_expected"


def fixed_result(ident_id: str, file: str, line: int, expected: str | None) -> Result:
    """A verification result that does not depend on the machine (for golden pages)."""
    sizes = [{"n": 2}, {"n": 3}]
    if expected == "erratum":
        cx = {
            "seed": 0,
            "sizes": {"n": 2},
            "values": {"X": [[0, -1], [0, -1]], "A": [[-1, -1], [1, 0]]},
            "lhs": [[-1, 1], [-1, 0]],
            "rhs": [[-1, -1], [1, 0]],
            "exact": True,
        }
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
    return Result(ident_id, file, line, "verified", "proved", checks, 1.25e-16, expected=expected)


def fixed_results(catalogue: Catalogue) -> list[Result]:
    return [fixed_result(i.id, i.file, i.location.line, i.status) for i in catalogue]


@pytest.fixture
def reproducible(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    monkeypatch.setattr(config, "BOOK_URL", "https://example.org/book/")


@pytest.fixture
def book(reproducible: None) -> Book:
    catalogue = load_catalogue(CATALOGUE)
    return make_book(catalogue, fixed_results(catalogue))


def test_pages_match_expected_output(book: Book) -> None:
    pages = render_pages(book)
    assert sorted(pages) == [
        "chapters/basics.md",
        "chapters/derivatives.md",
        "chapters/index.md",
        "indexes/cookbook.md",
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


def test_derivation_is_shown_and_not_claimed_checked(book: Book) -> None:
    text = render_pages(book)["chapters/derivatives.md"]
    assert "**Derivation.** These steps are not yet step\\-checked\\." in text
    assert r"{math}`\displaystyle \operatorname{tr}\left(\mathbf{B} \mathbf{A} d\mathbf{X}\right)`" in text
    assert "cyclic property of the trace" in text
    assert r"{math}`\Longrightarrow`" in text


def test_erratum_is_published_with_counterexample_and_correction(book: Book) -> None:
    text = render_pages(book)["chapters/derivatives.md"]
    entry = text.split("grad-trace-xa-printed\n```")[1].split("ib-anchor")[0]
    assert "✗ Erratum\\: the statement as printed is false" in entry
    assert "**Corrected version:** {ref}`2.1.2 <grad-trace-xa>`" in entry
    assert r"\mathbf{X} &= \begin{pmatrix} 0 & -1 \\ 0 & -1 \end{pmatrix}" in entry
    assert "Verified" not in entry


def test_special_characters_are_escaped(book: Book) -> None:
    text = render_pages(book)["chapters/basics.md"]
    # BibTeX is in a fenced code block, shown literally; everything else is Markdown
    text = "".join(part.split("\n````\n", 1)[-1] for part in text.split("````bibtex\n"))
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
    rows = [line for line in cookbook.splitlines() if line.startswith("* - ") and line[4:5].isdigit()]
    assert rows == ["* - 16", "* - 57", "* - 100", "* - 100", "* - 101"]  # numeric order
    assert "corrected in {ref}`2.1.2 <grad-trace-xa>`" in cookbook
    status = indexes.status(book)
    assert status.total == 7 and status.totals["proved"] == 6 and status.totals["erratum"] == 1
    assert [r.total for r in status.rows] == [3, 4]


def test_chart_escapes_labels(book: Book) -> None:
    status = indexes.status(book)
    row = status.rows[0]
    evil = type(row)("<Evil & co>", row.number, row.counts, row.total)
    bad = type(status)(
        [evil],
        *[getattr(status, f) for f in ("totals", "total", "categories", "statuses", "strengths")],
    )
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
    from identity_book.compile import compile_identity
    from identity_book.handbook.views import derivation

    catalogue = load_catalogue(CATALOGUE)
    ident = catalogue.get("grad-trace-xa")
    assert ident is not None and not ident.derivation
    result = fixed_result(ident.id, ident.file, ident.location.line, None)
    steps = [
        {"kind": "step", "expr": "tr(d(X) @ A)", "because": "linearity", "outcome": "passed"},
        {"kind": "step", "expr": "inner(A.T, d(X))", "because": "tr(Mᵀ dX) = M : dX", "outcome": "passed"},
        {"kind": "identify", "expr": "A.T", "because": "dφ = G : dX ⇒ ∂φ/∂X = G", "outcome": "passed"},
    ]
    result.derivation = {"source": "generated", "outcome": "passed", "steps": steps}  # type: ignore[attr-defined]
    view = derivation(compile_identity(ident), result)
    assert view is not None and view.checked
    assert view.summary.startswith("This derivation was generated by identity-book. Every step was checked")
    assert [s.mark.mark for s in view.steps] == ["✓", "✓", "✓"]
    assert view.steps[2].relation == r"\Longrightarrow"
    assert view.steps[1].math == r"\mathbf{A}^{\top} : d\mathbf{X}"
    result.derivation = {"source": "generated", "outcome": "failed", "steps": steps}  # type: ignore[attr-defined]
    assert derivation(compile_identity(ident), result) is None
    result.derivation = {"source": "generated", "outcome": "passed", "steps": [{"expr": "import os"}]}  # type: ignore[attr-defined]
    assert derivation(compile_identity(ident), result) is None


def test_templates_of_an_installed_wheel_come_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from identity_book.handbook import templates

    package = tmp_path / "site-packages" / "identity_book"
    (package / "templates" / "handbook").mkdir(parents=True)
    monkeypatch.setattr(templates, "PACKAGE_DIR", package)
    assert templates.template_dir() == package / "templates"
    (package / "templates" / "handbook").rmdir()
    with pytest.raises(TemplateError, match="templates not found"):
        templates.template_dir()
