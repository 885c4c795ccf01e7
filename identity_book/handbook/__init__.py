"""The handbook: a Sphinx web site and a PDF generated from the catalogue.

Use it as a Sphinx extension (``extensions = ["identity_book.handbook"]``) or through
``identity-book build``. Stages: :mod:`.generate` (load, verify, gate), :mod:`.book` and
:mod:`.views` (what each page shows), :mod:`.pages` (Jinja templates to MyST files),
:mod:`.sphinxext` (the Sphinx side).
"""

from __future__ import annotations

from typing import Any


def setup(app: Any) -> dict[str, Any]:
    """The Sphinx entry point; imported here, so that the handbook's modules do not import Sphinx's
    side through their package (the one late import, see tests/test_architecture.py)."""
    from identity_book.handbook.sphinxext import setup as _setup

    return _setup(app)
