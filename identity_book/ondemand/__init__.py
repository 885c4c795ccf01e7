"""Derivatives on demand: a generated, step-by-step checked derivation for any expression
(``identity-book derive`` and the ``identity-derive`` Sphinx directive)."""
