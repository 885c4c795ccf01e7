"""A prover for all sizes: both sides of an identity in index form (sums of tensor networks
with symbolic dimensions), differentiated and rewritten by sound rules, then compared by exact
canonical forms (:func:`.prove.prove`). See docs/guide/verification.md, *The prover*."""
