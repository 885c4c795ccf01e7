"""Display names of the reference sources that catalogue entries cite."""

from __future__ import annotations

from dataclasses import dataclass

from identity_book.catalogue.numbering import title_of


@dataclass(frozen=True)
class Source:
    name: str
    short: str
    equation_word: str = "eq."


SOURCES = {
    "matrix-cookbook": Source("K. B. Petersen and M. S. Pedersen, The Matrix Cookbook (2012)", "Matrix Cookbook"),
    "magnus-neudecker": Source(
        "J. R. Magnus and H. Neudecker, Matrix Differential Calculus with Applications in "
        "Statistics and Econometrics (3rd ed., 2019)",
        "Magnus & Neudecker",
    ),
    "seed-000": Source("Q&A: the chain rule with a matrix intermediate variable", "Chain-rule Q&A"),
    "seed-001": Source(
        "Matrix differentiation for deep learning (the Magnus–Neudecker method)",
        "Deep-learning post",
    ),
    "seed-002": Source("Lecture slides: matrix derivative of a scalar function, dy = tr(∇fᵀ dX)", "Lecture slides"),
}

COOKBOOK = "matrix-cookbook"


def source(source_id: str) -> Source:
    """The known source, or one named after its id."""
    return SOURCES.get(source_id) or Source(title_of(source_id), title_of(source_id))
