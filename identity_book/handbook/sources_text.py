"""An entry's YAML as its author wrote it, and code blocks that cannot be closed by their text."""

from __future__ import annotations

import re
import textwrap
from functools import lru_cache
from pathlib import Path

from identity_book.catalogue.records import Identity
from identity_book.escape import Raw

_ENTRY = re.compile(r"^(\s*)- ")
_BACKTICKS = re.compile(r"`{3,}")


@lru_cache(maxsize=256)
def _lines(file: str) -> tuple[str, ...]:
    try:
        return tuple(Path(file).read_text(encoding="utf-8").splitlines())
    except OSError:
        return ()


def entry_yaml(ident: Identity) -> str:
    """The lines of ``ident``'s list item in its file, dedented; "" when the file is gone."""
    lines = _lines(ident.file)
    start = ident.location.line - 1
    if not 0 <= start < len(lines):
        return ""
    m = _ENTRY.match(lines[start])
    dash = len(m.group(1)) if m else max(ident.location.column - 3, 0)
    end = start + 1
    while end < len(lines):
        line = lines[end]
        if line.strip() and not line.lstrip().startswith("#") and len(line) - len(line.lstrip()) <= dash:
            break
        end += 1
    block = list(lines[start:end])
    while block and not block[-1].strip():
        block.pop()
    return textwrap.dedent("\n".join(block))


def fenced(text: str, language: str) -> Raw:
    """``text`` as a MyST code block whose fence is longer than any backtick run inside it."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=2)
    fence = "`" * max(3, longest + 1)
    return Raw(f"{fence}{language}\n{text}\n{fence}")
