"""The reference PDF of the whole catalogue: Cookbook-dense, with every identity's number.

Builds the real catalogue's PDF (TeX Live, latexmk, poppler-utils; ``scripts/system-deps.sh``),
reusing the repository's verification cache when it is warm.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from identity_book.catalogue.loader import load_catalogue
from identity_book.cli import main
from identity_book.handbook.pdfstats import measure, missing_numbers

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parent.parent
MIN_PER_PAGE = 5.0


def test_missing_numbers_are_found() -> None:
    text = (
        "2.1.1 Gradient of tr(AXB)\n   2.1.2 Trace\nsee 2.1.3, 2.1.4\n8.1.6(\ufe03\nThe matrix integral\n2.1.5, 2.1.6\n"
    )
    numbers = ["2.1.1", "2.1.2", "2.1.3", "2.1.4", "8.1.6", "2.1.5"]
    assert missing_numbers(text, numbers) == ["2.1.3", "2.1.4", "2.1.5"]


def test_the_reference_pdf_is_dense_and_complete(tmp_path: Path) -> None:
    for program in ("latexmk", "pdflatex", "pdfinfo", "pdftotext"):
        if shutil.which(program) is None:
            if os.environ.get("IDENTITY_BOOK_SKIP_PDF"):
                pytest.skip(f"{program} not installed")
            pytest.fail(f"{program} not installed; run scripts/system-deps.sh (or set IDENTITY_BOOK_SKIP_PDF=1)")
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs, ignore=shutil.ignore_patterns("_build", "chapters", "indexes"))
    catalogue = ROOT / "identities"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IDENTITY_BOOK_CACHE", os.environ.get("IDENTITY_BOOK_CACHE", str(ROOT / ".identity-book-cache")))
        out = tmp_path / "out"
        assert main(["build", "pdf", str(catalogue), "--out", str(out), "--docs", str(docs), "--jobs", "2"]) == 0
    stats = measure(out / "identity-book.pdf", load_catalogue(catalogue))
    assert stats.identities > 400
    assert stats.missing == []
    assert stats.per_page >= MIN_PER_PAGE, f"{stats.pages} pages for {stats.identities} identities"
    details = measure(out / "identity-book-details.pdf", load_catalogue(catalogue))
    assert details.missing == []  # every identity's full record is in the details PDF
