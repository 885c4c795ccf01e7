"""``--var 'X: [m, n]'`` options: a variable written as in a catalogue's ``variables:``."""

from __future__ import annotations

import re

from pydantic import ValidationError

from identity_book.catalogue.records import Variable
from identity_book.catalogue.schema import NAME_PATTERN, VariableSpec
from identity_book.catalogue.yamlsafe import read_yaml
from identity_book.errors import Location


class VarOptionError(ValueError):
    """A ``--var`` value that is not ``NAME: [dims]`` or ``NAME: {shape: ..., properties: ...}``."""


def parse_var(text: str) -> Variable:
    """``X: [m, n]`` (a shape), ``s: []`` (a scalar) or ``S: {shape: [n, n], properties: [spd]}``."""
    name, sep, value = text.partition(":")
    name, value = name.strip(), value.strip()
    if not sep or not re.fullmatch(NAME_PATTERN[1:-1], name) or not value:
        raise VarOptionError(f"--var {text!r}: write NAME: [dims], e.g. 'X: [m, n]'")
    doc, problems = read_yaml(value, "--var")
    if problems or doc is None:
        raise VarOptionError(f"--var {text!r}: {problems[0].message if problems else 'not YAML'}")
    data = {"shape": doc.data} if isinstance(doc.data, list) else doc.data
    try:
        spec = VariableSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"] if not isinstance(p, int))
        message = first["msg"].removeprefix("Value error, ")
        raise VarOptionError(f"--var {text!r}: {where + ': ' if where else ''}{message}") from None
    return Variable(
        name=name,
        location=Location("--var"),
        shape=tuple(spec.shape) if spec.shape is not None else None,
        properties=tuple(spec.properties),
        integer=spec.integer,
    )


def kind_of(var: Variable) -> str:
    """``scalar``, ``vector``, ``square`` or ``matrix`` (what a query's name must agree with)."""
    shape = var.shape or ()
    if var.integer is not None or len(shape) == 0:
        return "scalar"
    if len(shape) == 1 or shape[1] == 1:
        return "vector"
    return "square" if shape[0] == shape[1] else "matrix"


def compatible(declared: Variable, found: Variable | None) -> bool:
    """Whether a catalogue variable can stand for a name the user declared (a square matrix is a matrix)."""
    if found is None:
        return False
    want, have = kind_of(declared), kind_of(found)
    return want == have or (want == "matrix" and have == "square")
