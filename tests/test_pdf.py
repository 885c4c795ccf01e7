"""The PDF: built through Sphinx's LaTeX builder and latexmk, read back with poppler.

Needs TeX Live, latexmk and poppler-utils (``scripts/system-deps.sh``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from identity_book.catalogue.loader import load_catalogue
from identity_book.catalogue.numbering import number_catalogue
from identity_book.cli import main

pytestmark = pytest.mark.slow

HERE = Path(__file__).parent
CATALOGUE = HERE / "handbook_catalogue"


def _need(program: str) -> None:
    if shutil.which(program) is None:
        if os.environ.get("IDENTITY_BOOK_SKIP_PDF"):
            pytest.skip(f"{program} not installed")
        pytest.fail(f"{program} not installed; run scripts/system-deps.sh (or set IDENTITY_BOOK_SKIP_PDF=1)")


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    for program in ("latexmk", "pdflatex", "pdftotext", "pdftohtml"):
        _need(program)
    base = tmp_path_factory.mktemp("pdf")
    docs = base / "docs"
    shutil.copytree(HERE.parent / "docs", docs, ignore=shutil.ignore_patterns("_build", "chapters", "indexes"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IDENTITY_BOOK_CACHE", str(base / "cache"))
        assert main(["build", "pdf", str(CATALOGUE), "--out", str(base / "out"), "--docs", str(docs)]) == 0
    return base / "out" / "identity-book.pdf"


def text_of(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    pages = ["-layout", *(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    out = subprocess.run(["pdftotext", *pages, str(pdf), "-"], capture_output=True, text=True, check=True)
    return out.stdout


def test_numbers_and_titles_match_the_site(pdf: Path) -> None:
    text = " ".join(text_of(pdf).split())
    numbered = number_catalogue(load_catalogue(CATALOGUE))
    for n in numbered.values():
        title = n.identity.title
        if n.identity.id == "special-characters":
            assert f"{n.number} Escaping" in text and "alert(1)" in text and "input{/etc/passwd}" in text
        else:
            assert f"{n.number} {title}" in text, f"{n.number} {title}"
    assert "Erratum: the statement as printed is false" in text
    assert "Counterexample" in text


def test_table_of_contents(pdf: Path) -> None:
    front = text_of(pdf, 1, 4)
    for entry in ("1 Basics", "1.1 Trace", "2 Derivatives", "2.1 Gradients", "Index by tag"):
        assert re.search(re.escape(entry) + r"[ .]*\d+", front), entry


def test_internal_links_land_on_the_identity(pdf: Path) -> None:
    xml = subprocess.run(
        ["pdftohtml", "-xml", "-i", "-stdout", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    links = re.findall(r'<a href="[^"#]*#(\d+)">(?:<[bi]>)*([^<]*)', xml)
    targets = [int(page) for page, label in links if label.strip() == "2.1.1"]
    assert targets, "no link labelled 2.1.1 (from the tag index or the concordance)"
    for page in set(targets):
        assert "2.1.1 Gradient of tr(AXB)" in text_of(pdf, page, page)
    permalinks = re.findall(r'<a href="(https://[^"]+)">', xml)
    assert any(p.endswith("chapters/derivatives.html#trace-axb") for p in permalinks)


def test_catalogue_text_is_escaped_in_latex(pdf: Path) -> None:
    tex = (pdf.parent / "latex" / "identity-book.tex").read_text()
    assert r"\input{/etc/passwd}" not in tex and r"\write18{" not in tex
    assert r"\textbackslash{}input\{/etc/passwd\}" in tex


def test_the_reference_prints_a_mark_and_the_details_pdf_the_record(pdf: Path) -> None:
    text = " ".join(text_of(pdf).split())
    # the strength depends on the symbolic level's time budget: proved for all sizes, or at some
    assert re.search(r"✓ Verified \(proved for [^)]*sizes\); Matrix Cookbook eq\. 101; online", text), text[:2000]
    assert "Derivation, every step checked:" in text and "Derivation (generated), every step checked:" in text
    # the symbols table, the verification box and the cite block are in the details PDF only
    for moved in ("Random seed", "Symbol Kind Size Properties", "BibTeX key idb:"):
        assert moved not in text, moved
    details = " ".join(text_of(pdf.parent / "identity-book-details.pdf").split())
    for kept in ("Random seed", "Exact arithmetic", "BibTeX key idb:trace-axb", "2.1.1 Gradient of tr(AXB)"):
        assert kept in details, kept
    assert "every step checked" not in details
