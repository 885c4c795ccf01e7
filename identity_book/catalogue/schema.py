"""The catalogue schema (pydantic v2). Unknown fields are errors."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)

from identity_book.catalogue.records import COMPLEX_ONLY, COMPLEX_PROPERTIES, Property

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*$"
DIM_PATTERN = r"^[a-z][a-z0-9_]*$"

Text = Annotated[StrictStr, Field(max_length=4000)]


def yaml_kind(value: object) -> str:
    """What YAML read a value as, for a message: ``true`` is a boolean, ``1.5`` a number."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "null (nothing)"
    return "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else type(value).__name__


def _expression(value: object) -> str:
    """An expression is text; a plain integer (``rhs: 0``) stands for its decimal digits. Any
    other value YAML does not read as text is an error: a boolean (``true``), a float (``1e-400``
    would be 0.0, ``.5`` would be 0.5), null, a list or a mapping."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"must be a string (quote it): YAML reads this value as {yaml_kind(value)}")


Expression = Annotated[str, PlainValidator(_expression)]


MAX_LITERAL_DIM = 12


def _dimension(value: object) -> str | int:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("a dimension is a name such as n, or an integer")
    if isinstance(value, int) and not 1 <= value <= MAX_LITERAL_DIM:
        raise ValueError(f"a literal dimension is an integer from 1 to {MAX_LITERAL_DIM}")
    if isinstance(value, str) and not re.fullmatch(DIM_PATTERN, value):
        raise ValueError(f"{value!r} is not a dimension name (lowercase letters, digits, '_')")
    return value


Dimension = Annotated[str | int, PlainValidator(_dimension)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MomentsSpec(Strict):
    mean: Expression
    cov: Expression | None = None


class IndependentSpec(Strict):
    """Independent coordinates: the mean vector and the central moments of order 2, 3, 4 (vectors)."""

    mean: Expression
    central: list[Expression] = Field(min_length=1, max_length=3)


class ChiSpec(Strict):
    """A chi variable: c > 0 with c² ∼ χ² of ``dof`` degrees of freedom (a scalar expression)."""

    dof: Expression


class DistributionSpec(Strict):
    """``normal: {mean, cov}``, ``moments: {mean[, cov]}``, ``independent: {mean, central}`` or
    ``chi: {dof}``."""

    normal: MomentsSpec | None = None
    moments: MomentsSpec | None = None
    independent: IndependentSpec | None = None
    chi: ChiSpec | None = None

    @model_validator(mode="after")
    def _one_family(self) -> DistributionSpec:
        if sum(f is not None for f in (self.normal, self.moments, self.independent, self.chi)) != 1:
            raise ValueError("a distribution is exactly one of 'normal', 'moments', 'independent' or 'chi'")
        if self.normal is not None and self.normal.cov is None:
            raise ValueError("a normal distribution needs 'cov' as well as 'mean'")
        return self


class VariableSpec(Strict):
    shape: list[Dimension] | None = Field(default=None, max_length=2)
    properties: list[Property] = Field(default_factory=list, max_length=8)
    integer: tuple[StrictInt, StrictInt] | None = None
    rank: Dimension | None = None
    distribution: DistributionSpec | None = None
    complex: StrictBool = False

    @model_validator(mode="after")
    def _one_kind(self) -> VariableSpec:
        if (self.shape is None) == (self.integer is None):
            raise ValueError("a variable has either 'shape' or 'integer'")
        if self.integer is not None:
            lo, hi = self.integer
            if lo > hi or hi - lo > 100 or abs(lo) > 1000 or abs(hi) > 1000:
                raise ValueError("'integer' is a small range [lo, hi] with lo <= hi (at most 100 values)")
            if self.properties or self.rank is not None:
                raise ValueError("an integer parameter has no properties and no rank")
            if self.distribution is not None:
                raise ValueError("an integer parameter has no distribution")
        if self.complex and (self.integer is not None or self.distribution is not None or self.rank is not None):
            raise ValueError(
                "a complex variable is a fixed matrix, vector or scalar: no 'integer', 'distribution' or 'rank'"
            )
        bad = [p for p in self.properties if p not in COMPLEX_PROPERTIES] if self.complex else []
        if bad:
            raise ValueError(
                f"a complex variable may not be {', '.join(bad)} (allowed: {', '.join(COMPLEX_PROPERTIES)})"
            )
        real_only = [p for p in self.properties if p in COMPLEX_ONLY] if not self.complex else []
        if real_only:
            raise ValueError(f"{', '.join(real_only)} is a property of a complex variable (add complex: true)")
        if self.distribution is not None and (self.properties or self.rank is not None):
            raise ValueError("a random variable has a distribution, and no properties or rank")
        if self.rank is not None and (self.shape is None or len(self.shape) != 2):
            raise ValueError("'rank' is stated for a matrix (a shape with two dimensions)")
        return self


class ReferenceSpec(Strict):
    source: Annotated[StrictStr, Field(pattern=ID_PATTERN, max_length=80)]
    eq: StrictInt | Annotated[StrictStr, Field(max_length=40)] | None = None
    note: Text | None = None


class StepSpec(Strict):
    step: Expression | None = None
    identify: Expression | None = None
    because: Text | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> StepSpec:
        if (self.step is None) == (self.identify is None):
            raise ValueError("a derivation line has exactly one of 'step' or 'identify'")
        return self


class IdentitySpec(Strict):
    id: Annotated[StrictStr, Field(pattern=ID_PATTERN, max_length=80)]
    title: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    variables: dict[Annotated[str, Field(pattern=NAME_PATTERN, max_length=20)], VariableSpec] = Field(max_length=30)
    # named sub-expressions, each usable by the later ones, the two sides and the derivation
    where: dict[Annotated[str, Field(pattern=NAME_PATTERN, max_length=20)], Expression] = Field(
        default_factory=dict, max_length=10
    )
    lhs: Expression
    rhs: Expression
    relation: Literal["==", "<=", "<", ">=", ">"] = "=="
    references: list[ReferenceSpec] = Field(default_factory=list, max_length=20)
    tags: list[Annotated[StrictStr, Field(pattern=ID_PATTERN, max_length=40)]] = Field(
        default_factory=list, max_length=20
    )
    constraints: list[Annotated[StrictStr, Field(max_length=200)]] = Field(default_factory=list, max_length=10)
    # dimensions that no variable's shape names, for expressions such as J(i, j, m, n) alone
    dimensions: list[Annotated[StrictStr, Field(pattern=DIM_PATTERN, max_length=20)]] = Field(
        default_factory=list, max_length=6
    )
    conditions: list[Text] = Field(default_factory=list, max_length=10)
    notes: Text | None = None
    derivation: list[StepSpec] = Field(default_factory=list, max_length=40)
    latex: Text | None = None
    status: Literal["awaiting-proof", "erratum"] | None = None
    corrected_by: Annotated[StrictStr, Field(pattern=ID_PATTERN)] | None = None

    @field_validator("derivation")
    @classmethod
    def _identify_last(cls, steps: list[StepSpec]) -> list[StepSpec]:
        for i, s in enumerate(steps):
            if s.identify is not None and i != len(steps) - 1:
                raise ValueError("'identify' must be the last line of a derivation")
        return steps


class CatalogueFile(Strict):
    title: Text | None = None
    identities: list[IdentitySpec] = Field(max_length=2000)
