"""How dense the reference PDF is: pages, identities, and which identity numbers it lacks.

Reads the PDF with poppler's ``pdfinfo`` and ``pdftotext`` (poppler-utils).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from identity_book.catalogue.numbering import number_catalogue
from identity_book.catalogue.records import Catalogue


@dataclass(frozen=True)
class PdfStats:
    pages: int
    identities: int
    missing: list[str]  # numbers of identities with no heading line in the PDF's text

    @property
    def per_page(self) -> float:
        return self.identities / self.pages if self.pages else 0.0


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    m = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    if m is None:
        raise ValueError(f"pdfinfo reports no page count for {pdf}")
    return int(m.group(1))


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def missing_numbers(text: str, numbers: list[str]) -> list[str]:
    """Numbers that start no line of ``text`` as a heading does ("2.1.1 Gradient ...", or
    "8.1.6(" where pdftotext puts a title's large parenthesis straight after the number; a list
    of numbers, "2.1.1, 2.1.2", is no heading)."""
    starts = set(re.findall(r"^\s*(\d+(?:\.\d+)+)(?:\s+\S|\()", text, re.MULTILINE))
    return [n for n in numbers if n not in starts]


def measure(pdf: Path, catalogue: Catalogue) -> PdfStats:
    numbers = [n.number for n in number_catalogue(catalogue).values()]
    return PdfStats(page_count(pdf), len(numbers), missing_numbers(pdf_text(pdf), numbers))
