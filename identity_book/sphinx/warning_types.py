"""The warnings the extension emits: each has a type and subtype, a message and a location.

Every warning is ``type="identity_book"`` with one of the subtypes below, so it prints as
``[identity_book.refuted]`` and ``suppress_warnings = ["identity_book.inconclusive"]`` silences
one kind. A warning about an identity is located at the document that embeds or cites it and
names the catalogue file and line; one about an identity no page uses, and a catalogue problem,
is located at the catalogue file. Every path is absolute, as Sphinx prints a document's.
"""

from __future__ import annotations

from typing import Any

from sphinx.util import logging

TYPE = "identity_book"

SUBTYPES: dict[str, str] = {
    "refuted": "an embedded or cited identity is false: a check found a counterexample",
    "inconclusive": "no check could decide an embedded or cited identity (not a pass)",
    "error": "an embedded or cited identity could not be checked (its entry is malformed)",
    "erratum": "an identity kept as a printed erratum (expected false) was verified",
    "unknown_id": "the directive or role names an id that is not in the catalogue",
    "derive": "a derive directive has no rule for its expression, or a step or the result is not verified",
    "catalogue": "the catalogue cannot be loaded: bad YAML, schema or expression",
    "duplicate": "an identity is embedded a second time (a duplicate target; links go to the first)",
}

logger = logging.getLogger("identity_book.sphinx")


def warn(subtype: str, message: str, location: Any) -> None:
    """Emit ``message`` as a warning of type ``identity_book.<subtype>`` at ``location``."""
    if subtype not in SUBTYPES:
        raise ValueError(f"undocumented warning subtype {subtype!r}")
    logger.warning("%s", message, type=TYPE, subtype=subtype, location=location)
