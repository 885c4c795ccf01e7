"""Safe YAML reading: plain data plus the position of every node, nothing constructed.

The file is only *composed* (parsed to nodes); we build dicts, lists and scalars ourselves, so
no YAML tag can create an object. Anchors and aliases are refused (they allow exponential
"billion laughs" documents), as are duplicate keys.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from identity_book.errors import Diagnostic, Location

MAX_FILE_BYTES = 1_000_000
MAX_NODES = 100_000
MAX_DEPTH = 50

_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_STD}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}

Path = tuple[str | int, ...]


@dataclass
class Document:
    """Plain data of one YAML file with the location of every value (by path)."""

    data: Any
    positions: dict[Path, Location] = field(default_factory=dict)
    # column offset from the value's location to the first character of its text
    text_offsets: dict[Path, int] = field(default_factory=dict)
    keys: dict[Path, Location] = field(default_factory=dict)  # where each mapping key is written

    def where(self, path: Path) -> Location:
        """The location of the deepest known node on ``path``."""
        for cut in range(len(path), -1, -1):
            if path[:cut] in self.positions:
                return self.positions[path[:cut]]
        return Location(next(iter(self.positions.values())).file) if self.positions else Location("?")


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.doc = Document(data=None)
        self.problems: list[Diagnostic] = []
        self.count = 0

    def loc(self, node: Node) -> Location:
        return Location(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def fail(self, node: Node, message: str) -> None:
        self.problems.append(Diagnostic(self.loc(node), message))

    def build(self, node: Node, path: Path, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooBig(self.loc(node), f"more than {MAX_NODES} YAML nodes")
        if depth > MAX_DEPTH:
            raise _TooBig(self.loc(node), f"nesting deeper than {MAX_DEPTH} levels")
        self.doc.positions[path] = self.loc(node)
        if getattr(node, "anchor", None):
            return None  # reported once per anchor and per alias, at its own place (_anchors)
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        if isinstance(node, SequenceNode):
            if node.tag != f"{_STD}seq":
                self.fail(node, f"YAML tag {node.tag!r} is not allowed")
                return None
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            return self.mapping(node, path, depth)
        self.fail(node, "unsupported YAML node")
        return None

    def mapping(self, node: MappingNode, path: Path, depth: int) -> dict[str, Any]:
        if node.tag != f"{_STD}map":
            self.fail(node, f"YAML tag {node.tag!r} is not allowed")
            return {}
        out: dict[str, Any] = {}
        first: dict[str, Location] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag in (
                f"{_STD}null",
                f"{_STD}merge",
            ):
                self.fail(key_node, "mapping keys must be plain strings")
                continue
            key = str(key_node.value)
            if key in first:
                self.fail(key_node, f"duplicate key {key!r} (first at line {first[key].line})")
                continue
            first[key] = self.loc(key_node)
            self.doc.keys[(*path, key)] = first[key]
            out[key] = self.build(value_node, (*path, key), depth + 1)
        return out

    def scalar(self, node: ScalarNode, path: Path) -> Any:
        tag, text, style = node.tag, node.value, node.style
        if tag not in _SCALAR_TAGS:
            self.fail(node, f"YAML tag {tag!r} is not allowed")
            return None
        if style in ("'", '"') and node.start_mark.line == node.end_mark.line:
            self.doc.text_offsets[path] = 1
        elif style is None:
            self.doc.text_offsets[path] = 0
        if tag == f"{_STD}int":
            digits = text.replace("_", "").lstrip("+-")
            if len(digits) > 18:
                self.fail(node, "integer literal too large")
                return None
            try:
                return int(text.replace("_", ""), 0)
            except ValueError:
                return text
        if tag == f"{_STD}float":
            try:
                return float(text.replace("_", ""))
            except ValueError:
                return text
        if tag == f"{_STD}bool":
            return text.lower() in ("true", "yes", "on", "y")
        if tag == f"{_STD}null":
            return None
        return str(text)


class _TooBig(Exception):
    def __init__(self, location: Location, message: str) -> None:
        self.location, self.message = location, message


def _too_deep(yaml: YAML, text: str, file: str) -> Diagnostic | None:
    """Nesting deeper than MAX_DEPTH, found from the event stream (flat, no recursion): libyaml's
    composer recurses in C and crashes the process at some 30,000 levels (``- - - …``, ``[[[…``)."""
    depth = 0
    for event in yaml.parse(io.StringIO(text)):
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                return Diagnostic(
                    Location(file, mark.line + 1, mark.column + 1), f"nesting deeper than {MAX_DEPTH} levels"
                )
        elif isinstance(event, CollectionEndEvent):
            depth -= 1
    return None


def read_yaml(text: str, file: str) -> tuple[Document | None, list[Diagnostic]]:
    """Compose ``text`` and return its plain data with positions, and every problem found."""
    if len(text.encode("utf-8", "replace")) > MAX_FILE_BYTES:
        return None, [Diagnostic(Location(file), f"file larger than {MAX_FILE_BYTES} bytes")]
    yaml = YAML(typ="safe")  # libyaml (ruamel.yaml.clib) when installed
    try:
        deep = _too_deep(yaml, text, file)
        if deep is not None:
            return None, [deep]
        node = yaml.compose(io.StringIO(text))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        return None, [Diagnostic(loc, f"invalid YAML: {exc.problem or exc.context}")]
    except (YAMLError, RecursionError) as exc:
        return None, [Diagnostic(Location(file), f"invalid YAML: {exc}")]
    if node is None:
        return Document(data=None), []
    builder = _Builder(file)
    try:
        builder.doc.data = builder.build(node, (), 0)
    except _TooBig as exc:  # usually aliases expanding (billion laughs): say so, where they are
        return None, _anchors(yaml, text, file) or [Diagnostic(exc.location, exc.message)]
    anchors = _anchors(yaml, text, file) if _MAY_HAVE_ANCHORS.search(text) else []
    problems = sorted(builder.problems + anchors, key=lambda d: (d.location.line, d.location.column))
    return builder.doc, problems


# An anchor (&a) or alias (*a) starts after a line start, a space, a flow indicator or a JSON-like
# key's colon, and is followed by its name. A file without such text has neither, so the slow
# event scan is skipped; text that only looks like one (``A *B``) is scanned, never missed.
_MAY_HAVE_ANCHORS = re.compile(r"(?:^|[\s,\[{:])[&*][^\s,\[\]{}]", re.MULTILINE)


def _anchors(yaml: YAML, text: str, file: str) -> list[Diagnostic]:
    """One problem per anchor and per alias, each at its own line and column."""
    out = []
    for event in yaml.parse(io.StringIO(text)):
        name = getattr(event, "anchor", None)
        if name is None:
            continue
        mark = event.start_mark
        what = f"alias *{name}" if isinstance(event, AliasEvent) else f"anchor &{name}"
        out.append(
            Diagnostic(
                Location(file, mark.line + 1, mark.column + 1),
                f"YAML anchors and aliases are not allowed in a catalogue ({what})",
            )
        )
    return out
