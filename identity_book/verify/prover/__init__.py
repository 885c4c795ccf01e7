"""A prover for all sizes: both sides of an identity in index form (sums of tensor networks
with symbolic dimensions), differentiated and rewritten by sound rules, then compared by exact
canonical forms. See docs/guide/verification.md, *The prover*."""

from identity_book.verify.prover.prove import Proof, prove

__all__ = ["Proof", "prove"]
