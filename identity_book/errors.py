"""The exception tree. Every message a user sees names a file, a line and an identity id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, order=True)
class Location:
    """A position in a catalogue file (1-based line and column)."""

    file: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def shifted(self, columns: int) -> Location:
        """The same line, ``columns`` further right."""
        return Location(self.file, self.line, self.column + columns)


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a catalogue."""

    location: Location
    message: str
    identity: str | None = None

    def __str__(self) -> str:
        who = self.identity if self.identity else "-"
        return f"{self.location}: {who}: {self.message}"


class IdentityBookError(Exception):
    """Base of every error this package raises on purpose.

    A subclass whose constructor takes other arguments than the message sets ``_init_args``, so
    the error pickles (it crosses process boundaries in parallel verification and Sphinx builds).
    """

    _init_args: tuple[Any, ...] | None = None

    def __reduce__(self) -> str | tuple[Any, ...]:
        if self._init_args is None:
            return super().__reduce__()
        return (type(self), self._init_args)


class CatalogueError(IdentityBookError):
    """The catalogue is malformed; carries every problem found, not just the first."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics, key=lambda d: (d.location, d.message))
        self._init_args = (self.diagnostics,)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class ExpressionError(IdentityBookError):
    """An expression is not in the language, or its shapes do not conform.

    ``offset`` is the 0-based column inside the expression text.
    """

    def __init__(self, message: str, offset: int = 0) -> None:
        self.message = message
        self.offset = offset
        self._init_args = (message, offset)
        super().__init__(message)


class EvaluationError(IdentityBookError):
    """A sample point is outside the domain (singular matrix, log of a negative, ...)."""


class LimitError(ExpressionError):
    """An expression asks for more work than the verifier allows (huge powers, ranges)."""


class NotExact(IdentityBookError):
    """A value cannot be computed in exact arithmetic (for example exp of a rational)."""
