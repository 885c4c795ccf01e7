"""Verification: decide whether each identity holds, and how strongly (:mod:`.runner` runs the levels)."""
