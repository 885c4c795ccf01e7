"""The Matrix Cookbook concordance file: loading, its errors at file and line, and the pages.

Good and bad files are data: each bad case is a file text and the message it must produce at
its line. The pages are rendered from the small test catalogue with fixed verification results
(see ``test_handbook_pages``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_handbook_pages import CATALOGUE, CONCORDANCE, fixed_results, reproducible  # noqa: F401

from identity_book.catalogue.loader import load_catalogue
from identity_book.catalogue.records import Catalogue
from identity_book.errors import CatalogueError
from identity_book.handbook import generate, indexes, pages
from identity_book.handbook.book import make_book
from identity_book.handbook.concordance import (
    CorrectedRecord,
    EntryRecord,
    OutOfScopeRecord,
    default_path,
    load_concordance,
)
from identity_book.handbook.pages import render_pages


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(CATALOGUE)


def test_the_fixture_loads_with_every_kind_of_record(catalogue: Catalogue) -> None:
    c = load_concordance(CONCORDANCE, catalogue)
    kinds = [type(r) for r in c.records]
    assert kinds == [EntryRecord, CorrectedRecord, EntryRecord, OutOfScopeRecord]
    assert c.eqs() == {"57", "100", "101", "102"}
    assert [loc.line for loc in c.locations] == [3, 4, 9, 10]


def test_an_empty_file_has_no_records_yet(catalogue: Catalogue, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("# nothing yet\n")
    assert load_concordance(path, catalogue).records == []


def test_default_path_is_next_to_the_catalogue_folder(tmp_path: Path) -> None:
    assert default_path((CATALOGUE,)) == CONCORDANCE
    file = CATALOGUE / "01-basics" / "trace.yaml"
    assert default_path((file,)) == CONCORDANCE  # a file: its catalogue root is two levels up
    assert default_path(()) is None


BAD = [
    ("eq: 1\nstatus: entry\n", 1, "a concordance is a list of records ({eq, status, ...}), not a mapping"),
    ("- {eq: 16, status: entry, ids: [no-such-entry]}\n", 1, "eq. 16: no identity with id 'no-such-entry'"),
    (
        "- {eq: 16, status: entry, ids: [trace-cyclic]}\n- eq: 100\n  status: corrected\n"
        "  ids: [grad-trace-xa]\n  erratum: trace-axb\n",
        5,
        "eq. 100: 'trace-axb' is not marked 'status: erratum' in the catalogue",
    ),
    (
        "- {eq: 16, status: entry, ids: [trace-cyclic]}\n- {eq: 16, status: entry, ids: [trace-axb]}\n",
        2,
        "listed twice",
    ),
    ("- {eq: 16, status: maybe, ids: [trace-cyclic]}\n", 1, "status: must be one of"),
    ("- {eq: 16, status: entry}\n", 1, "missing field 'ids'"),
    ("- {eq: 16, status: entry, ids: []}\n", 1, "ids: List should have at least 1 item"),
    ("- {eq: 16, status: out-of-scope}\n", 1, "missing field 'reason'"),
    ("- {eq: 16, status: entry, ids: [trace-cyclic], reason: x}\n", 1, "unknown field 'reason'"),
    ("- {eq: 16, status: corrected, ids: [grad-trace-xa]}\n", 1, "missing field 'erratum'"),
    ("- {eq: [1], status: entry, ids: [trace-cyclic]}\n", 1, "eq:"),
    ("- {eq: 16, status: entry, ids: [Not An Id]}\n", 1, "ids.0: String should match pattern"),
    ("- &a {eq: 16, status: entry, ids: [trace-cyclic]}\n- *a\n", 1, "anchors and aliases are not allowed"),
    ("- !!python/object:os.system {eq: 16}\n", 1, "YAML tag"),
    ("- {eq: 16, status: entry, ids: [trace-cyclic]\n", 2, "invalid YAML"),
    ("just text\n", 1, "not a str"),
]


@pytest.mark.parametrize(("text", "line", "message"), BAD)
def test_a_bad_file_is_an_error_at_its_line(
    catalogue: Catalogue, tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = tmp_path / "matrix-cookbook.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_concordance(path, catalogue)
    shown = str(info.value)
    assert re.search(rf"matrix-cookbook\.yaml:{line}:\d+: ", shown), shown
    assert message in shown, shown


def test_every_unknown_id_is_reported(catalogue: Catalogue, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "- eq: 1\n  status: entry\n  ids:\n    - trace-cyclic\n    - gone-one\n"
        "- {eq: 2, status: corrected, ids: [gone-two], erratum: gone-three}\n"
    )
    with pytest.raises(CatalogueError) as info:
        load_concordance(path, catalogue)
    lines = str(info.value).splitlines()
    assert [re.match(r".*c\.yaml:(\d+):", x).group(1) for x in lines] == ["5", "6", "6"]  # type: ignore[union-attr]
    assert "'gone-one'" in lines[0] and "'gone-two'" in lines[1] and "'gone-three'" in lines[2]


def test_absent_file_falls_back_and_configured_one_must_exist(catalogue: Catalogue, tmp_path: Path) -> None:
    elsewhere = tmp_path / "cat"
    settings = generate.HandbookSettings(catalogue=(elsewhere,))
    assert generate.concordance(settings, catalogue) is None
    settings = generate.HandbookSettings(catalogue=(CATALOGUE,))
    found = generate.concordance(settings, catalogue)
    assert found is not None and len(found.records) == 4
    missing = generate.HandbookSettings(catalogue=(CATALOGUE,), concordance=tmp_path / "nope.yaml")
    with pytest.raises(CatalogueError, match=r"nope\.yaml:1:1: -: the configured concordance file does not exist"):
        generate.concordance(missing, catalogue)


@pytest.mark.usefixtures("reproducible")
def test_page_from_the_file(catalogue: Catalogue, tmp_path: Path) -> None:
    book = make_book(catalogue, fixed_results(catalogue), load_concordance(CONCORDANCE, catalogue))
    page = indexes.cookbook(book)
    assert [(r.eq, r.status) for r in page.rows] == [
        ("57", "entry"),
        ("100", "corrected"),
        ("101", "entry"),
        ("102", "out-of-scope"),
    ]
    assert page.counts == {"entry": 2, "corrected": 1, "out-of-scope": 1}
    assert [row.eq for row in page.cited_only] == ["16"]  # cited, but the file does not list it
    text = render_pages(book)["indexes/cookbook.md"]
    row = text.split("<td><p>100</p></td>")[1].split("<td><p>101</p></td>")[0]
    assert "corrected" in row
    link = '<a class="reference internal" href="../chapters/derivatives.html#grad-trace-xa">'
    assert link + '<span class="std std-ref">2.1.2 Gradient of tr(XA)</span></a> (verified (proved' in row
    printed = '<a class="reference internal" href="../chapters/derivatives.html#grad-trace-xa-printed">'
    assert "printed form: " + printed in row
    assert '<span class="std std-ref">2.1.3</span></a> (erratum: the printed statement is false)' in row
    assert "the printed form lacks a transpose" in row
    reason = text.split("<td><p>102</p></td>")[1]
    assert "out of scope" in reason
    assert r"complex matrices &lt;script&gt;alert(1)&lt;/script&gt; &amp; \input{x} 50%" in reason
    assert "<script>" not in text
    # the PDF's list prints numbers alone; the cited-only list prints titles through references
    pdf = r"\hyperref[\detokenize{chapters/derivatives:grad-trace-xa}]{\sphinxcrossref{2.1.2}}"
    assert r"\textbf{100} corrected: " + pdf in text
    assert pages.title_pages(book) == ["indexes/cookbook"]
    complete = tmp_path / "complete.yaml"
    complete.write_text(CONCORDANCE.read_text() + "- {eq: 16, status: entry, ids: [trace-cyclic]}\n")
    book = make_book(catalogue, fixed_results(catalogue), load_concordance(complete, catalogue))
    assert pages.title_pages(book) == []
    assert "## Cited by entries, not yet in the concordance" in text


@pytest.mark.usefixtures("reproducible")
def test_an_entry_citing_a_listed_equation_is_shown_with_it(catalogue: Catalogue, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("- {eq: 100, status: entry, ids: [grad-trace-xa]}\n")
    book = make_book(catalogue, fixed_results(catalogue), load_concordance(path, catalogue))
    row = indexes.cookbook(book).rows[0]
    assert [e.entry.id for e in row.also] == ["grad-trace-xa-printed"]
    text = render_pages(book)["indexes/cookbook.md"]
    printed = '<a class="reference internal" href="../chapters/derivatives.html#grad-trace-xa-printed">'
    assert "also cited by " + printed in text
    pdf = r"\hyperref[\detokenize{chapters/derivatives:grad-trace-xa-printed}]{\sphinxcrossref{2.1.3}}"
    assert "also " + pdf in text  # the PDF's list


@pytest.mark.usefixtures("reproducible")
def test_page_from_references_without_a_file(catalogue: Catalogue) -> None:
    book = make_book(catalogue, fixed_results(catalogue))
    text = render_pages(book)["indexes/cookbook.md"]
    assert "that an entry of this handbook cites" in text
    rows = [line for line in text.splitlines() if line.startswith("* - ") and line[4:5].isdigit()]
    assert rows == ["* - 16", "* - 57", "* - 100", "* - 100", "* - 101"]  # numeric order
    assert "corrected in {ref}`2.1.2 <grad-trace-xa>`" in text


@pytest.mark.usefixtures("reproducible")
def test_errata_page(catalogue: Catalogue) -> None:
    book = make_book(catalogue, fixed_results(catalogue), load_concordance(CONCORDANCE, catalogue))
    errata = indexes.errata(book)
    assert [(e.entry.id, e.eqs) for e in errata] == [("grad-trace-xa-printed", ["100"])]
    assert errata[0].corrected is not None and errata[0].corrected.id == "grad-trace-xa"
    text = render_pages(book)["indexes/errata.md"]
    assert "## Eq. 100: Gradient of tr\\(XA\\) as sometimes misprinted" in text
    assert "entry {ref}`2.1.3 <grad-trace-xa-printed>`" in text
    # the printed statement, then the counterexample with both sides as exact integer matrices
    printed = (
        r"\frac{\partial}{\partial \mathbf{X}}\left[\operatorname{tr}\left(\mathbf{X} \mathbf{A}\right)\right]"
        r" = \mathbf{A}"
    )
    assert "\\ibfit{" + printed + "}\n```" in text
    assert "**Counterexample** (exact; n \\= 2):" in text
    assert r"\text{left side} &= \begin{pmatrix} -1 & 1 \\ -1 & 0 \end{pmatrix}" in text
    assert r"\text{right side} &= \begin{pmatrix} -1 & -1 \\ 1 & 0 \end{pmatrix}" in text
    assert "**Corrected:** {ref}`2.1.2 <grad-trace-xa>` Gradient of tr\\(XA\\)" in text
    assert r"= \mathbf{A}^{\top}" in text.split("**Corrected:**")[1]
    assert "errata" in render_pages(book)["indexes/index.md"]


@pytest.mark.usefixtures("reproducible")
def test_no_errata(tmp_path: Path) -> None:
    folder = tmp_path / "01-basics"
    folder.mkdir()
    (folder / "t.yaml").write_text((CATALOGUE / "01-basics" / "trace.yaml").read_text())
    catalogue = load_catalogue(tmp_path)
    book = make_book(catalogue, fixed_results(catalogue))
    assert "No erratum is recorded in this catalogue." in render_pages(book)["indexes/errata.md"]


def test_text_the_pdf_cannot_print_is_found_at_its_record(catalogue: Catalogue, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        '- {eq: 57, status: entry, ids: [logdet-gradient]}\n- {eq: 102, status: out-of-scope, reason: "a snowman ☃"}\n'
    )
    found = generate.unprintable_text(catalogue, load_concordance(path, catalogue))
    assert [str(d) for d in found] == [f"{path}:2:3: eq. 102: the PDF cannot print '☃' (U+2603 SNOWMAN)"]
