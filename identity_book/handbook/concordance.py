"""The Matrix Cookbook concordance as data: every equation number and what became of it.

``concordance/matrix-cookbook.yaml`` (next to the catalogue folder, or the path configured as
``identity_book_handbook_concordance``) is a list of records, one per Cookbook equation::

    - {eq: 101, status: entry, ids: [trace-axb]}
    - {eq: 100, status: corrected, ids: [grad-trace-xa], erratum: grad-trace-xa-printed}
    - {eq: 3, status: out-of-scope, reason: complex matrices}

It is read with the project's safe YAML reader and validated with pydantic; a malformed record,
an equation listed twice or an id the catalogue does not have is an error at its file and line.
While the file does not exist the handbook falls back to the concordance of ``references``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, TypeAdapter, ValidationError

from identity_book.catalogue.records import Catalogue
from identity_book.catalogue.schema import ID_PATTERN
from identity_book.catalogue.yamlsafe import MAX_FILE_BYTES, Document, read_yaml
from identity_book.errors import CatalogueError, Diagnostic, Location

DEFAULT = Path("concordance") / "matrix-cookbook.yaml"
MAX_RECORDS = 5000

Id = Annotated[StrictStr, Field(pattern=ID_PATTERN, max_length=80)]
Eq = StrictInt | Annotated[StrictStr, Field(pattern=r"^[0-9]+[a-z]?$", max_length=12)]
Text = Annotated[StrictStr, Field(min_length=1, max_length=2000)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    eq: Eq
    note: Text | None = None


class EntryRecord(_Record):
    """The equation is one (or more) of our entries, verified as printed."""

    status: Literal["entry"]
    ids: list[Id] = Field(min_length=1, max_length=40)


class CorrectedRecord(_Record):
    """The printed equation is false: ``ids`` are the corrected entries, ``erratum`` the printed form."""

    status: Literal["corrected"]
    ids: list[Id] = Field(min_length=1, max_length=20)
    erratum: Id


class OutOfScopeRecord(_Record):
    """Not in the catalogue, for the stated reason."""

    status: Literal["out-of-scope"]
    reason: Text


Record = Annotated[EntryRecord | CorrectedRecord | OutOfScopeRecord, Field(discriminator="status")]
_RECORDS = TypeAdapter(list[Record])


@dataclass(frozen=True)
class Concordance:
    file: str
    records: list[EntryRecord | CorrectedRecord | OutOfScopeRecord]
    locations: list[Location]  # of each record

    def eqs(self) -> set[str]:
        return {str(r.eq) for r in self.records}


def default_path(catalogue: tuple[Path, ...]) -> Path | None:
    """``concordance/matrix-cookbook.yaml`` in the folder that holds the (first) catalogue folder."""
    if not catalogue:
        return None
    first = catalogue[0]
    root = first if first.is_dir() else first.parent.parent
    return root.resolve().parent / DEFAULT


def load_concordance(path: Path, catalogue: Catalogue) -> Concordance:
    """Read and check the file (CatalogueError with every problem at its file and line)."""
    name = _display(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CatalogueError([Diagnostic(Location(name), f"file larger than {MAX_FILE_BYTES} bytes")])
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError([Diagnostic(Location(name), f"cannot read the concordance: {exc}")]) from None
    doc, problems = read_yaml(text, name)
    if doc is None or problems:
        raise CatalogueError(problems)
    if doc.data is None:  # an empty file: no records yet
        return Concordance(name, [], [])
    if not isinstance(doc.data, list):
        kind = "mapping" if isinstance(doc.data, dict) else type(doc.data).__name__
        raise CatalogueError(
            [Diagnostic(doc.where(()), f"a concordance is a list of records ({{eq, status, ...}}), not a {kind}")]
        )
    if len(doc.data) > MAX_RECORDS:
        raise CatalogueError([Diagnostic(doc.where(()), f"more than {MAX_RECORDS} records")])
    try:
        records = _RECORDS.validate_python(doc.data)
    except ValidationError as exc:
        found: dict[Location, Diagnostic] = {}
        for err in exc.errors():
            d = _schema_problem(doc, dict(err))
            found.setdefault(d.location, d)  # one message per place (a union reports each alternative)
        raise CatalogueError(list(found.values())) from None
    concordance = Concordance(name, list(records), [doc.where((i,)) for i in range(len(records))])
    problems = _check(concordance, doc, catalogue)
    if problems:
        raise CatalogueError(problems)
    return concordance


def _display(file: Path) -> str:
    try:
        return str(file.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(file)


def _schema_problem(doc: Document, err: dict[str, object]) -> Diagnostic:
    raw = err["loc"]
    path = tuple(p for p in raw if isinstance(p, int | str) and not _is_branch(p)) if isinstance(raw, tuple) else ()
    # pydantic puts the discriminator's value in the path ("0", "entry", "ids"); the YAML has none
    if len(path) >= 2 and path[1] in ("entry", "corrected", "out-of-scope"):
        path = (path[0], *path[2:])
    where = doc.keys.get(path) if err["type"] == "extra_forbidden" else None
    field = ".".join(str(p) for p in path[1:])
    kind = err["type"]
    if kind == "extra_forbidden":
        message = f"unknown field {path[-1]!r}"
    elif kind == "missing":
        message = f"missing field {path[-1]!r}"
    elif kind in ("union_tag_invalid", "union_tag_not_found"):
        message = "status: must be one of 'entry', 'corrected', 'out-of-scope'"
    else:
        text = str(err["msg"]).removeprefix("Value error, ")
        message = f"{field}: {text}" if field else text
    return Diagnostic(where or doc.where(path), message, _eq_at(doc, path))


def _is_branch(part: object) -> bool:
    """Pydantic names the alternatives of a union in an error's location (``constrained-str``)."""
    return isinstance(part, str) and (part.startswith(("constrained-", "function-")) or part in ("str", "int"))


def _eq_at(doc: Document, path: tuple[object, ...]) -> str | None:
    """The record's equation number, shown where a catalogue error shows the entry's id."""
    if path and isinstance(path[0], int) and isinstance(doc.data, list) and path[0] < len(doc.data):
        record = doc.data[path[0]]
        if isinstance(record, dict) and isinstance(record.get("eq"), int | str):
            return f"eq. {record['eq']}"
    return None


def _check(concordance: Concordance, doc: Document, catalogue: Catalogue) -> list[Diagnostic]:
    """Every id exists, an erratum is marked as one, and no equation is listed twice."""
    known = {i.id: i for i in catalogue}
    problems: list[Diagnostic] = []
    first: dict[str, Location] = {}
    for i, record in enumerate(concordance.records):
        eq = str(record.eq)
        who = f"eq. {eq}"
        if eq in first:
            problems.append(Diagnostic(doc.where((i, "eq")), f"listed twice (first at line {first[eq].line})", who))
        else:
            first[eq] = doc.where((i,))
        if isinstance(record, EntryRecord | CorrectedRecord):
            for j, ident in enumerate(record.ids):
                if ident not in known:
                    problems.append(Diagnostic(doc.where((i, "ids", j)), f"no identity with id {ident!r}", who))
        if isinstance(record, CorrectedRecord):
            printed = known.get(record.erratum)
            where = doc.where((i, "erratum"))
            if printed is None:
                problems.append(Diagnostic(where, f"no identity with id {record.erratum!r}", who))
            elif printed.status != "erratum":
                problems.append(
                    Diagnostic(where, f"{record.erratum!r} is not marked 'status: erratum' in the catalogue", who)
                )
            if record.erratum in record.ids:
                problems.append(Diagnostic(where, "the printed form cannot also be its correction", who))
    return problems
