"""Load catalogue files into records, reporting every problem at once with its position."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import ValidationError

from identity_book.catalogue.builtin import builtin_folder
from identity_book.catalogue.compile import compile_identity
from identity_book.catalogue.latexcheck import check_identity_latex
from identity_book.catalogue.numbering import layout_problems
from identity_book.catalogue.records import (
    Catalogue,
    Distribution,
    Identity,
    Reference,
    Step,
    Variable,
    chapter_and_section,
)
from identity_book.catalogue.records_store import RecordStore, file_key
from identity_book.catalogue.schema import CatalogueFile, DistributionSpec, IdentitySpec, yaml_kind
from identity_book.catalogue.yamlsafe import MAX_FILE_BYTES, Document, read_yaml
from identity_book.errors import CatalogueError, Diagnostic, Location
from identity_book.files import NotRegularFile, read_regular

MAX_FILES = 2000
BUILTIN_RECORDS = "builtin-records"  # the built-in catalogue's checked records, apart from one's own


def find_files(paths: list[Path]) -> list[tuple[Path, Path]]:
    """Every ``*.yaml``/``*.yml`` file under ``paths`` with the root it was found under. An entry
    that is not a regular file (a fifo, a device) is listed, for the load to report; a link to
    nothing (an editor's lock file) is not."""
    found: list[tuple[Path, Path]] = []
    for path in paths:
        if path.is_dir():
            files = sorted(
                p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.exists() and not p.is_dir()
            )
            found.extend((f, path) for f in files)
        elif path.exists():
            found.append((path, path.parent.parent))
        else:
            raise CatalogueError([Diagnostic(Location(str(path)), "no such file or folder")])
    if len(found) > MAX_FILES:
        raise CatalogueError([Diagnostic(Location(str(paths[0])), f"more than {MAX_FILES} catalogue files")])
    return found


def load_catalogue(paths: list[Path] | Path, check_expressions: bool = True, cache: Path | None = None) -> Catalogue:
    """Read, validate and (by default) parse every identity; raise with all problems found.

    With a ``cache`` folder, a file read and checked before, byte for byte, is taken from the
    :class:`RecordStore` there instead of being read again. The built-in catalogue named beside
    folders of one's own is loaded apart from them (their chapter folders may share numeric
    prefixes: :func:`~identity_book.catalogue.numbering.number_catalogue` numbers one's own
    chapters after the built-in ones), and an id may not be defined in both.
    """
    roots = [paths] if isinstance(paths, Path) else list(paths)
    builtin = builtin_folder().resolve()
    shipped = [r for r in roots if r.resolve() == builtin]
    own = [r for r in roots if r.resolve() != builtin]
    if not shipped or not own:
        alone = _load_group(roots, check_expressions, cache)
        return replace(alone, builtin=frozenset(i.id for i in alone)) if shipped else alone
    loaded: list[Catalogue] = []
    problems: list[Diagnostic] = []
    for group, store in ((shipped, cache / BUILTIN_RECORDS if cache else None), (own, cache)):
        try:
            loaded.append(_load_group(group, check_expressions, store))
        except CatalogueError as exc:
            problems.extend(exc.diagnostics)
    if problems:
        raise CatalogueError(problems)
    first = {i.id: i for i in loaded[0]}
    twice = [i for i in loaded[1] if i.id in first]
    if twice:
        raise CatalogueError([_duplicate(i, first[i.id]) for i in twice])
    return Catalogue((*loaded[0], *loaded[1]), str(roots[0]), frozenset(first))


def _load_group(roots: list[Path], check_expressions: bool, cache: Path | None) -> Catalogue:
    store = RecordStore(cache if check_expressions else None)
    problems: list[Diagnostic] = []
    files: list[tuple[str | None, list[Identity], bool]] = []  # key, records, taken from the store
    for file, root in find_files(roots):
        key = _key(file, root) if store.path else None
        stored = store.get(key) if key else None
        if stored is not None:
            files.append((key, list(stored), True))
        else:
            files.append((key, _load_file(file, root, problems), False))
    identities = [ident for _, records, _ in files for ident in records]
    seen: dict[str, Identity] = {}
    for ident in identities:
        if ident.id in seen:
            problems.append(_duplicate(ident, seen[ident.id]))
        else:
            seen[ident.id] = ident
    problems.extend(layout_problems(list(seen.values())))
    if check_expressions:
        for key, records, kept in files:
            found = [] if kept else [d for ident in records if seen.get(ident.id) is ident for d in _check(ident)]
            problems.extend(found)
            if key and records and not found and not kept:
                store.put(key, tuple(records))
    if problems:
        raise CatalogueError(problems)
    store.save()
    return Catalogue(tuple(seen.values()), str(roots[0]) if roots else "identities")


def _duplicate(ident: Identity, first: Identity) -> Diagnostic:
    return Diagnostic(ident.location, f"duplicate id (first defined at {first.location})", ident.id)


def _check(ident: Identity) -> list[Diagnostic]:
    """The problems of an identity's expressions and hand-written LaTeX."""
    found = list(check_identity_latex(ident))
    try:
        compile_identity(ident)
    except CatalogueError as exc:
        found.extend(exc.diagnostics)
    return found


def _key(file: Path, root: Path) -> str | None:
    """The file's key in the record store, or None when it cannot be kept (unreadable, too big,
    or a link out of its root)."""
    try:
        place = file.resolve().relative_to(root.resolve()).as_posix()
        data = read_regular(file, MAX_FILE_BYTES)
    except (OSError, ValueError):
        return None
    return None if len(data) > MAX_FILE_BYTES else file_key(data, _display(file), place)


def _display(file: Path) -> str:
    try:
        return str(file.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(file)


def _load_file(file: Path, root: Path, problems: list[Diagnostic]) -> list[Identity]:
    name = _display(file)
    try:
        data = read_regular(file, MAX_FILE_BYTES)
    except NotRegularFile as exc:
        problems.append(Diagnostic(Location(name), f"{exc}; a catalogue file is a plain YAML file"))
        return []
    except OSError as exc:
        problems.append(Diagnostic(Location(name), f"cannot read file: {exc}"))
        return []
    if len(data) > MAX_FILE_BYTES:
        problems.append(Diagnostic(Location(name), f"file larger than {MAX_FILE_BYTES} bytes"))
        return []
    try:
        text = _newlines(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        before = _newlines(data[: exc.start].decode("utf-8"))
        where = Location(name, before.count("\n") + 1, len(before) - before.rfind("\n"))
        problems.append(Diagnostic(where, f"not valid UTF-8: byte 0x{data[exc.start]:02X} (save the file as UTF-8)"))
        return []
    doc, found = read_yaml(text, name)
    problems.extend(_with_ids(found, doc))
    if doc is None or found:
        return []
    if doc.data is None:
        problems.append(Diagnostic(Location(name), "empty catalogue file (expected 'identities:')"))
        return []
    try:
        parsed = CatalogueFile.model_validate(doc.data)
    except ValidationError as exc:
        seen: set[Location] = set()
        for err in exc.errors():
            path = tuple(p for p in err["loc"] if p != "[key]" and not _is_branch(p))
            where = (doc.keys.get(path) if err["type"] == "extra_forbidden" else None) or doc.where(path)
            if where not in seen:  # one message per place (a union reports every alternative)
                seen.add(where)
                problems.append(Diagnostic(where, _message(err), _id_at(doc, path)))
        return []
    rel = PurePosixPath(file.resolve().relative_to(root.resolve()).as_posix())
    chapter, section = chapter_and_section(rel)
    return [_record(spec, i, doc, chapter, section) for i, spec in enumerate(parsed.identities)]


def _newlines(text: str) -> str:
    """Line ends as Python's text files read them: ``\\r\\n`` and ``\\r`` become ``\\n``."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _is_branch(part: object) -> bool:
    """Pydantic names the alternatives of a union in the location (``constrained-int``)."""
    return isinstance(part, str) and (part.startswith(("constrained-", "function-")) or part in ("str", "int", "float"))


def _message(err: Any) -> str:
    names = [str(p) for p in err["loc"] if not isinstance(p, int) and p != "[key]" and not _is_branch(p)]
    field = ".".join(names[1:] if names[:1] == ["identities"] else names)
    if err["type"] == "extra_forbidden":
        return f"unknown field {err['loc'][-1]!r}"
    if err["type"] == "missing":
        return f"missing field {err['loc'][-1]!r}"
    text = err["msg"].removeprefix("Value error, ")
    if err["type"] == "string_pattern_mismatch" and field.endswith("id"):
        text = "an id is lowercase letters, digits and '-', starting with a letter or digit"
    if err["type"] == "string_type":
        text = f"must be a string (quote it): YAML reads this value as {yaml_kind(err['input'])}"
    return f"{field}: {text}" if field else text


def _id_at(doc: Document, path: tuple[Any, ...]) -> str | None:
    if len(path) >= 2 and path[0] == "identities" and isinstance(path[1], int):
        try:
            value = doc.data["identities"][path[1]]["id"]
            return value if isinstance(value, str) else None
        except (KeyError, IndexError, TypeError):
            return None
    return None


def _with_ids(found: list[Diagnostic], doc: Document | None) -> list[Diagnostic]:
    """Attach the id of the entry each problem lies in (the last entry starting before it)."""
    if doc is None:
        return found
    starts = sorted(
        (loc.line, loc.column, _id_at(doc, path))
        for path, loc in doc.positions.items()
        if len(path) == 2 and path[0] == "identities"
    )
    out = []
    for d in found:
        before = [ident for line, col, ident in starts if (line, col) <= (d.location.line, d.location.column)]
        out.append(Diagnostic(d.location, d.message, before[-1] if before else None))
    return out


def _distribution(spec: DistributionSpec | None, text_loc: Any, name: str) -> Distribution | None:
    """The record of a variable's ``distribution:``, with the positions of its expressions."""
    if spec is None:
        return None
    if spec.independent is not None:
        where = ("variables", name, "distribution", "independent")
        return Distribution(
            family="independent",
            mean=str(spec.independent.mean),
            mean_location=text_loc(*where, "mean"),
            central=tuple(str(t) for t in spec.independent.central),
            central_locations=tuple(text_loc(*where, "central", k) for k in range(len(spec.independent.central))),
        )
    if spec.chi is not None:
        dof = text_loc("variables", name, "distribution", "chi", "dof")
        return Distribution(family="chi", mean=str(spec.chi.dof), mean_location=dof)
    family = "normal" if spec.normal is not None else "moments"
    params = spec.normal if spec.normal is not None else spec.moments
    assert params is not None
    where = ("variables", name, "distribution", family)
    return Distribution(
        family=family,
        mean=str(params.mean),
        mean_location=text_loc(*where, "mean"),
        cov=None if params.cov is None else str(params.cov),
        cov_location=None if params.cov is None else text_loc(*where, "cov"),
    )


def _record(spec: IdentitySpec, index: int, doc: Document, chapter: str, section: str) -> Identity:
    base = ("identities", index)

    def loc(*path: Any) -> Location:
        return doc.where((*base, *path))

    def text_loc(*path: Any) -> Location:
        full = (*base, *path)
        return doc.where(full).shifted(doc.text_offsets.get(full, 0))

    variables = tuple(
        Variable(
            name=name,
            location=loc("variables", name),
            shape=tuple(v.shape) if v.shape is not None else None,
            properties=tuple(v.properties),
            integer=v.integer,
            rank=v.rank,
            distribution=_distribution(v.distribution, text_loc, name),
            complex=v.complex,
        )
        for name, v in spec.variables.items()
    )
    steps = tuple(
        Step(
            expr=str(s.step if s.step is not None else s.identify),
            location=text_loc("derivation", i, "step" if s.step is not None else "identify"),
            kind="step" if s.step is not None else "identify",
            because=s.because,
        )
        for i, s in enumerate(spec.derivation)
    )
    fields = {key: text_loc(key) for key in ("lhs", "rhs", "latex", "title")}
    fields["variables"] = loc("variables")
    fields["dimensions"] = loc("dimensions")
    for i in range(len(spec.constraints)):
        fields[f"constraints.{i}"] = text_loc("constraints", i)
    for name in spec.where:
        fields[f"where.{name}"] = text_loc("where", name)
    return Identity(
        id=spec.id,
        title=spec.title,
        location=loc(),
        variables=variables,
        lhs=str(spec.lhs),
        rhs=str(spec.rhs),
        chapter=chapter,
        section=section,
        field_locations=fields,
        references=tuple(Reference(r.source, None if r.eq is None else str(r.eq), r.note) for r in spec.references),
        tags=tuple(spec.tags),
        constraints=tuple(spec.constraints),
        dimensions=tuple(spec.dimensions),
        conditions=tuple(spec.conditions),
        notes=spec.notes,
        derivation=steps,
        latex=spec.latex,
        status=spec.status,
        relation=spec.relation,
        corrects=spec.corrected_by,
        definitions=tuple((name, str(text)) for name, text in spec.where.items()),
    )
