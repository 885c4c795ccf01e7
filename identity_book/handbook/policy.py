"""The publishing rule: the handbook does not print false or unchecked mathematics.

A refuted, inconclusive or erroneous identity stops the build with its file, line and id,
unless the maintainer asks to publish it anyway, in which case its page says what it is.
Errata (entries that record a printed statement known to be false) are published when the
check refutes them, as expected, and an entry awaiting proof when the check is inconclusive.
"""

from __future__ import annotations

from identity_book.errors import IdentityBookError
from identity_book.verdict import verdict
from identity_book.verify.results import Result


class HandbookError(IdentityBookError):
    """The handbook cannot be generated (the message names the file, line and id)."""


class UnpublishableError(HandbookError):
    """Some identities failed verification and may not be published."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        self._init_args = (problems,)
        hint = "pass --allow-unverified (or set identity_book_handbook_allow_unverified) to publish them marked"
        super().__init__("\n".join([*problems, f"{len(problems)} identity(ies) not verified; {hint}"]))


def problem(result: Result) -> str:
    why = verdict(result).headline
    detail = f" ({result.message})" if result.message and result.message not in why else ""
    return f"{result.file}:{result.line}: {result.id}: {why}{detail}"


def unpublishable(results: list[Result]) -> list[str]:
    """One message per result the handbook may not publish as it stands."""
    return [problem(r) for r in results if not r.ok]


def check_publishable(results: list[Result], allow_unverified: bool) -> list[str]:
    """Raise unless every result may be published; with ``allow_unverified`` return the list."""
    problems = unpublishable(results)
    if problems and not allow_unverified:
        raise UnpublishableError(problems)
    return problems
