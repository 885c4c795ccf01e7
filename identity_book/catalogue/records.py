"""Catalogue records: frozen dataclasses, each with its source location."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Literal, get_args

from identity_book.errors import Location

Property = Literal[
    "symmetric",
    "spd",
    "invertible",
    "orthogonal",
    "diagonal",
    "lower_triangular",
    "upper_triangular",
    "skew_symmetric",
    "toeplitz",
    "permutation",
    "full_column_rank",
    "full_row_rank",
    "hermitian",
    "skew_hermitian",
    "unitary",
]
PROPERTIES: tuple[str, ...] = get_args(Property)
RANK_PROPERTIES = ("full_column_rank", "full_row_rank")
# the properties a complex variable may have (hermitian, skew_hermitian and unitary only it)
COMPLEX_PROPERTIES = (
    "hermitian",
    "skew_hermitian",
    "unitary",
    "invertible",
    "diagonal",
    "lower_triangular",
    "upper_triangular",
    "full_column_rank",
    "full_row_rank",
)
COMPLEX_ONLY = ("hermitian", "skew_hermitian", "unitary")
SQUARE_PROPERTIES = tuple(p for p in PROPERTIES if p not in RANK_PROPERTIES)  # need a square matrix


@dataclass(frozen=True)
class Distribution:
    """The stated distribution of a random variable: ``normal`` (mean and covariance),
    ``moments`` (any distribution with that mean, and that covariance when one is given) or
    ``independent`` (independent coordinates with that mean and those central moments) or
    ``chi`` (a positive scalar c with c² ∼ χ²ₖ; its one parameter, the degrees of freedom k, is
    held in ``mean``, the first parameter of every family).

    ``mean`` and ``cov`` are expressions over the fixed variables; for a matrix the covariance is
    that of its vec. Random variables with distributions on different variables are independent.
    """

    family: str  # "normal", "moments", "independent" or "chi"
    mean: str  # for chi: the degrees of freedom
    mean_location: Location
    cov: str | None = None
    cov_location: Location | None = None
    central: tuple[str, ...] = ()  # independent coordinates: central moments of order 2, 3, 4
    central_locations: tuple[Location, ...] = ()

    def describe(self) -> str:
        """In words, for the command line: ``random, normal with mean m and covariance S``."""
        if self.family == "normal":
            return f"random, normal with mean {self.mean} and covariance {self.cov}"
        if self.family == "chi":
            return f"random, chi with {self.mean} degrees of freedom (its square is chi-squared)"
        if self.family == "independent":
            orders = ", ".join(f"{k} {t}" for k, t in zip(("variances", "third", "fourth"), self.central, strict=False))
            return f"random, independent coordinates with mean {self.mean} and central moments: {orders}"
        cov = f" and covariance {self.cov}" if self.cov is not None else ""
        return f"random, any distribution with mean {self.mean}{cov}"


@dataclass(frozen=True)
class Variable:
    """A matrix, vector or scalar variable, or an integer parameter."""

    name: str
    location: Location
    shape: tuple[str | int, ...] | None = None
    properties: tuple[str, ...] = ()
    integer: tuple[int, int] | None = None
    rank: str | int | None = None  # a stated rank (a dimension or a number), below full rank
    distribution: Distribution | None = None  # a random variable; None for a fixed one
    complex: bool = False  # complex entries (complex: true); real otherwise

    @property
    def is_random(self) -> bool:
        return self.distribution is not None

    @property
    def is_integer(self) -> bool:
        return self.integer is not None


@dataclass(frozen=True)
class Reference:
    source: str
    eq: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Step:
    """One line of a derivation: an expression, or the final identification."""

    expr: str
    location: Location
    kind: str = "step"  # "step" or "identify"
    because: str | None = None


@dataclass(frozen=True)
class Identity:
    id: str
    title: str
    location: Location
    variables: tuple[Variable, ...]
    lhs: str
    rhs: str
    chapter: str
    section: str
    field_locations: dict[str, Location] = field(default_factory=dict, compare=False, hash=False)
    references: tuple[Reference, ...] = ()
    tags: tuple[str, ...] = ()
    constraints: tuple[str, ...] = ()
    dimensions: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    notes: str | None = None
    derivation: tuple[Step, ...] = ()
    latex: str | None = None
    status: str | None = None  # "awaiting-proof" or "false" (a printed error kept on purpose)
    corrects: str | None = None
    relation: str = "=="  # or "<=", "<", ">=", ">": an inequality between two scalars
    definitions: tuple[tuple[str, str], ...] = ()  # where: named sub-expressions, in order

    @property
    def is_inequality(self) -> bool:
        return self.relation != "=="

    @property
    def statement(self) -> str:
        """The statement in the expression language: ``lhs == rhs``, or ``lhs <= rhs`` and so on,
        then ``where name = expression; ...`` for the ``where:`` definitions."""
        named = "; ".join(f"{name} = {text}" for name, text in self.definitions)
        return f"{self.lhs} {self.relation} {self.rhs}" + (f" where {named}" if named else "")

    def where(self, key: str) -> Location:
        """Location of a field (falls back to the entry's own)."""
        return self.field_locations.get(key, self.location)

    def size_notes(self) -> list[str]:
        """What readers are told about sizes: dimensions only the expressions use, then constraints."""
        free = [f"{', '.join(self.dimensions)} any sizes"] if self.dimensions else []
        return [*free, *self.constraints]

    @property
    def file(self) -> str:
        return self.location.file

    def content(self) -> dict[str, object]:
        """The mathematical content: what a citation's hash and the cache key cover."""
        extra: dict[str, object] = {"dimensions": list(self.dimensions)} if self.dimensions else {}
        ranks = {v.name: v.rank for v in self.variables if v.rank is not None}
        if ranks:  # only when present, so older hashes stay valid
            extra["ranks"] = ranks
        if self.is_inequality:
            extra["relation"] = self.relation
        complex_vars = [v.name for v in self.variables if v.complex]
        if complex_vars:  # only when present, so older hashes stay valid
            extra["complex"] = complex_vars
        random = {
            v.name: [v.distribution.family, v.distribution.mean, v.distribution.cov, *v.distribution.central]
            for v in self.variables
            if v.distribution is not None
        }
        if random:
            extra["distributions"] = random
        if self.definitions:  # only when present, so older hashes stay valid
            extra["where"] = [list(d) for d in self.definitions]
        return {
            **extra,
            "id": self.id,
            "variables": [
                [v.name, list(v.shape or ()), list(v.properties), list(v.integer or ())] for v in self.variables
            ],
            "lhs": self.lhs,
            "rhs": self.rhs,
            "constraints": list(self.constraints),
            "derivation": [[s.kind, s.expr] for s in self.derivation],
        }

    def content_hash(self) -> str:
        text = json.dumps(self.content(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Catalogue:
    identities: tuple[Identity, ...]
    root: str = "identities"
    builtin: frozenset[str] = frozenset()  # the built-in catalogue's ids, when loaded with others

    def __iter__(self):
        return iter(self.identities)

    def __len__(self) -> int:
        return len(self.identities)

    def get(self, identity_id: str) -> Identity | None:
        for ident in self.identities:
            if ident.id == identity_id:
                return ident
        return None


def chapter_and_section(path: PurePosixPath) -> tuple[str, str]:
    """Chapter from the first folder under the catalogue root, section from the file name."""
    parts = path.parts
    chapter = parts[0] if len(parts) > 1 else "general"
    section = "/".join((*parts[1:-1], path.stem)) if len(parts) > 1 else path.stem
    return chapter, section
