"""Keep the garbage collector off the objects a build holds until it ends.

A build loads the catalogue, its verification results and Sphinx's environment once and keeps
them to the end; CPython's collector would scan all of them again at every full collection
(over a second of a one-identity rebuild). Freezing moves the objects alive now to the permanent
generation: they are still freed when their last reference goes, only never scanned for cycles.
"""

from __future__ import annotations

import gc


def freeze() -> None:
    """Exclude every object alive now from later collections (see the module docstring)."""
    gc.collect(0)  # the young garbage is freed first, not frozen with the rest
    gc.freeze()
