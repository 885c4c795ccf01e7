"""The extension's doctrees for a test project, compared with checked-in expected output.

A change to what the directive or role emits shows up as a diff of
``tests/sphinx_expected/``; after reviewing it, regenerate with
``IDENTITY_BOOK_UPDATE_EXPECTED=1 .venv/bin/pytest tests/test_sphinx_expected.py``. The
verification paragraph is hidden here (its strength depends on the symbolic level's time
budget); tests/test_sphinx_ext.py checks it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

EXPECTED = Path(__file__).parent / "sphinx_expected"
SOURCE = re.compile(r' source="[^"]*"')


def normalised(text: str) -> str:
    """Without the build's temporary source path."""
    return SOURCE.sub("", text)


@pytest.mark.sphinx(
    "pseudoxml",
    testroot="identity-basic",
    srcdir="identity-expected",
    confoverrides={"identity_book_show_verification": False},
)
def test_doctrees_match_the_expected_output(app: Any) -> None:
    app.build()
    assert app.statuscode == 0
    built = {p.stem: normalised(p.read_text(encoding="utf-8")) for p in Path(app.outdir).glob("*.pseudoxml")}
    assert set(built) == {"index", "derivatives", "myst", "plain"}
    folder = EXPECTED / "identity-basic"
    if os.environ.get("IDENTITY_BOOK_UPDATE_EXPECTED"):
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in built.items():
            (folder / f"{name}.pseudoxml").write_text(text, encoding="utf-8")
    for name, text in built.items():
        assert text == (folder / f"{name}.pseudoxml").read_text(encoding="utf-8"), f"{name}: see the module docstring"
