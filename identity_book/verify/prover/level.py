"""The prover as a verification level: a :class:`LevelResult` and the certificate for the cache."""

from __future__ import annotations

from typing import Any

from identity_book.catalogue.compile import Compiled
from identity_book.verify.prover.prove import MAX_OPS, prove
from identity_book.verify.results import LevelResult


def prover_check(c: Compiled, max_ops: int = MAX_OPS) -> tuple[LevelResult, dict[str, Any] | None]:
    """(the level's outcome, the certificate when it proved the identity for all sizes).

    The outcome is ``passed`` for a proof; otherwise ``skipped`` with the reason (the prover
    proves or says nothing: it never refutes)."""
    proof = prove(c, max_ops)
    if proof.proved:
        return LevelResult("passed", [], 1, 0.0, 0.0, proof.seconds, "proved for all sizes"), proof.certificate
    return LevelResult("skipped", seconds=proof.seconds, detail=proof.reason), None
