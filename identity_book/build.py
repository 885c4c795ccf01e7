"""``identity-book build html|pdf|all``: verify the catalogue, then build the handbook.

The same Sphinx project as ``sphinx-build docs OUT`` (``docs/`` when it exists, else a minimal
built-in project), with the catalogue paths and verification options passed to the
``identity_book.handbook`` extension. Exit codes: 0 built; 1 an identity is refuted or
inconclusive (unless ``--allow-unverified``) or Sphinx/LaTeX failed; 2 the catalogue is
malformed or a needed tool is missing. A build that fails leaves the output folder as it was.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from identity_book import config, longlived, stamp
from identity_book.catalogue.builtin import catalogue_paths
from identity_book.config import cache_folder
from identity_book.errors import CatalogueError
from identity_book.handbook import generate, pages, pdf
from identity_book.handbook.policy import HandbookError, unpublishable
from identity_book.report import Progress
from identity_book.templates import template_dir

DEFAULT_DOCS = Path("docs")
PDF_NAME = "identity-book.pdf"
DETAILS_NAME = "identity-book-details.pdf"
OUTPUT_KINDS = {"index.html": "HTML", PDF_NAME: "PDF", DETAILS_NAME: "PDF with the verification details"}
DETAILS_TAG = "ibdetails"  # the templates' {only} blocks print the full record under this tag
# what a build writes into its output folder (besides its stamps)
BUILD_ENTRIES = ("source", "html", "doctrees", "latex", "latex-details", "doctrees-details", PDF_NAME, DETAILS_NAME)


def add_commands(subparsers: Any, add_verify_options: Callable[[argparse.ArgumentParser], None]) -> None:
    p = subparsers.add_parser(
        "build",
        help="verify the catalogue and build the handbook (HTML site, PDF or both)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("target", choices=("html", "pdf", "all"), help="what to build")
    p.add_argument("paths", nargs="*", help="catalogue files or folders (default: identities/)")
    p.add_argument("--out", default="_build", help="output folder (default: _build)")
    p.add_argument("--docs", default=None, help="Sphinx project folder (default: docs/ if it exists)")
    p.add_argument(
        "--allow-unverified",
        action="store_true",
        help="publish refuted or inconclusive identities, visibly marked, instead of failing",
    )
    p.add_argument("--verbose", "-v", action="store_true", help="show Sphinx's and LaTeX's progress")
    add_verify_options(p)
    p.set_defaults(func=cmd_build)

    p = subparsers.add_parser("serve", help="live preview: rebuild the HTML handbook whenever a catalogue file changes")
    p.add_argument("paths", nargs="*", help="catalogue files or folders (default: identities/)")
    p.add_argument("--out", default="_build", help="output folder (default: _build; the site goes to OUT/live)")
    p.add_argument("--docs", default=None, help="Sphinx project folder (default: docs/ if it exists)")
    p.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 for any free port)")
    p.add_argument("--allow-unverified", action="store_true", help="publish failures, visibly marked")
    add_verify_options(p)
    p.set_defaults(func=cmd_serve)


def _source_dir(args: argparse.Namespace, out: Path) -> Path:
    """The Sphinx project: ``--docs``, else ``docs/``, else the built-in one copied to OUT."""
    if args.docs:
        return Path(args.docs).resolve()
    if (DEFAULT_DOCS / "conf.py").is_file():
        return DEFAULT_DOCS.resolve()
    src = out / "source"
    src.mkdir(parents=True, exist_ok=True)
    for item in (template_dir() / "project").iterdir():
        shutil.copy2(item, src / item.name)
    return src


def settings_for(args: argparse.Namespace, cache: Path | None) -> generate.HandbookSettings:
    paths = catalogue_paths(args.paths)
    return generate.HandbookSettings(
        catalogue=tuple(p.resolve() for p in paths),
        cache=cache,
        jobs=args.jobs,
        seed=args.seed,
        symbolic=not args.no_symbolic,
        allow_unverified=args.allow_unverified,
    )


def overrides(settings: generate.HandbookSettings) -> dict[str, Any]:
    prefix = "identity_book_handbook_"
    return {
        prefix + "catalogue": [str(p) for p in settings.catalogue],
        prefix + "cache": str(settings.cache) if settings.cache else "",
        prefix + "jobs": settings.jobs,
        prefix + "seed": settings.seed,
        prefix + "symbolic": settings.symbolic,
        prefix + "allow_unverified": settings.allow_unverified,
    }


def check(settings: generate.HandbookSettings, want_pdf: bool) -> int:
    """Load, verify and gate before Sphinx starts; 0 to go on, else the exit code."""
    try:
        catalogue = generate.load(settings)
    except CatalogueError as exc:
        print(exc, file=sys.stderr)
        print(f"{len(exc.diagnostics)} problem(s) in the catalogue", file=sys.stderr)
        return 2
    if want_pdf:
        bad = generate.unprintable_text(catalogue, generate.concordance(settings, catalogue))
        for d in bad:
            print(d, file=sys.stderr)
        if bad:
            return 2
    progress = Progress(len(catalogue), sys.stderr)
    try:
        results = generate.verify(catalogue, settings, progress)
    finally:
        progress.close()
    problems = unpublishable(results)
    for line in problems:
        print(line, file=sys.stderr)
    if problems and not settings.allow_unverified:
        print(
            f"{len(problems)} identity(ies) not verified: the handbook is not built. "
            "Fix them, or pass --allow-unverified to publish them visibly marked.",
            file=sys.stderr,
        )
        return 1
    if problems:
        print(f"publishing {len(problems)} unverified identity(ies), marked as such", file=sys.stderr)
    try:
        generate.build_book(catalogue, results, settings)  # kept for the Sphinx builds that follow
    except HandbookError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def details_overrides() -> dict[str, Any]:
    """The details PDF: the chapters alone, each identity with its full verification record."""
    title = f"{config.BOOK_TITLE}: verification details"
    tex = DETAILS_NAME.replace(".pdf", ".tex")
    return {"latex_documents": [("chapters/index", tex, title, config.BOOK_AUTHOR, "manual")]}


def run_sphinx(
    src: Path,
    out: Path,
    builder: str,
    settings: generate.HandbookSettings,
    verbose: bool,
    variant: str = "",
) -> int:
    """Build ``builder`` into OUT/<builder>; ``variant="details"`` builds the details PDF's LaTeX
    into OUT/latex-details (its own doctrees: the tag changes what the pages print)."""
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    status: Any = sys.stdout if verbose else io.StringIO()
    with patch_docutils(src), docutils_namespace():
        app = Sphinx(
            str(src),
            str(src),
            str(out / (f"{builder}-{variant}" if variant else builder)),
            str(out / (f"doctrees-{variant}" if variant else "doctrees")),
            builder,
            confoverrides={**overrides(settings), **(details_overrides() if variant else {})},
            tags=[DETAILS_TAG] if variant else [],
            status=status,
            warning=sys.stderr,
            warningiserror=True,
            keep_going=True,
        )
        app.build()
        return int(app.statuscode)


def serve_command(args: argparse.Namespace) -> list[str]:
    """The sphinx-autobuild command line: the handbook's settings as -D overrides, the catalogue
    and the templates watched, the generated pages ignored (they are written by the build)."""
    out = Path(args.out).resolve()
    settings = settings_for(args, cache_folder())
    src = _source_dir(args, out)
    command = [sys.executable, "-m", "sphinx_autobuild", str(src), str(out / "live"), "-q"]
    command += ["--host", args.host, "--port", str(args.port)]
    for name, value in overrides(settings).items():
        shown = ",".join(value) if isinstance(value, list) else str(int(value) if isinstance(value, bool) else value)
        command += ["-D", f"{name}={shown}"]
    for folder in (*settings.catalogue, template_dir()):
        command += ["--watch", str(folder)]
    for generated in pages.FOLDERS:
        command += ["--ignore", str(src / generated / "*")]
    return command


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the HTML handbook and rebuild it on every change, until interrupted."""
    command = serve_command(args)
    print(f"serving on http://{args.host}:{args.port}/ (Ctrl-C stops)", file=sys.stderr)
    try:
        return subprocess.run(command, check=False).returncode
    except KeyboardInterrupt:
        return 130


def _digest(args: argparse.Namespace, settings: generate.HandbookSettings, src: Path, out: Path) -> str:
    """Everything this build reads, for its stamp (the number of jobs changes no output)."""
    options = {"target": args.target, "docs": str(src), **overrides(settings)}
    options.pop("identity_book_handbook_jobs")
    environment = {k: v for k, v in os.environ.items() if k.startswith("IDENTITY_BOOK_") or k == "SOURCE_DATE_EPOCH"}
    files = [Path(name) for name, _, _ in generate.sources(settings)]
    others = sorted(str(f) for f in files if not f.is_file())  # a fifo is never read (it would block)
    if others:  # the load reports them; named here so that the stamp changes with them
        options["not regular files"] = others
    skip = (*(src / folder for folder in pages.FOLDERS), out)
    return stamp.digest(options, [f for f in files if f.is_file()], src, skip, template_dir(), environment)


def cmd_build(args: argparse.Namespace) -> int:
    out = Path(args.out).resolve()
    if args.target in ("pdf", "all") and not pdf.have_latex():
        print(pdf.MISSING_TEX, file=sys.stderr)
        return 2
    rollback = Rollback(out)
    try:
        code = _cmd_build(args, out, rollback)
    except BaseException:
        rollback.undo()
        raise
    if code:
        rollback.undo()
    else:
        rollback.discard()
    return code


def _cmd_build(args: argparse.Namespace, out: Path, rollback: Rollback) -> int:
    if args.no_cache:
        with tempfile.TemporaryDirectory(prefix="identity-book-cache-") as cache:
            settings = settings_for(args, Path(cache))
            return _build(args, settings, _source_dir(args, out), out, rollback)[0]
    settings = settings_for(args, cache_folder())
    src = _source_dir(args, out)
    digest = _digest(args, settings, src, out)
    made = stamp.up_to_date(out, args.target, digest)
    if made is not None:
        print("up to date: nothing the handbook is made from changed since the last build", file=sys.stderr)
        _print_outputs(made)
        return 0
    stamp.forget(out, args.target)
    code, outputs = _build(args, settings, src, out, rollback)
    if code == 0:
        stamp.record(out, args.target, digest, outputs)
    return code


class Rollback:
    """The output folder as a build found it, put back when the build fails: what the build made
    is removed, and what Sphinx and LaTeX changed is restored from a copy taken just before they
    run (a fraction of a second beside them; a build that is up to date copies nothing). A failed
    build leaves no stamp, so the next one builds again."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.existed = out.exists()
        self.before = {name for name in BUILD_ENTRIES if _exists(out / name)}
        self.backup: Path | None = None

    def save(self) -> None:
        """Copy the entries that were there before the build, as they are now."""
        kept = [name for name in BUILD_ENTRIES if name in self.before and _exists(self.out / name)]
        if not kept:
            return
        self.backup = Path(tempfile.mkdtemp(prefix=f".{self.out.name}-before-build-", dir=self.out.parent))
        for name in kept:
            path = self.out / name
            if path.is_dir() and not path.is_symlink():
                shutil.copytree(path, self.backup / name, symlinks=True)
            else:
                shutil.copy2(path, self.backup / name, follow_symlinks=False)

    def undo(self) -> None:
        if not self.existed:
            shutil.rmtree(self.out, ignore_errors=True)
        else:
            for name in BUILD_ENTRIES:
                kept = self.backup / name if self.backup else None
                if kept is not None and _exists(kept):
                    _remove(self.out / name)
                    os.replace(kept, self.out / name)
                elif name not in self.before:
                    _remove(self.out / name)
        self.discard()

    def discard(self) -> None:
        if self.backup is not None:
            shutil.rmtree(self.backup, ignore_errors=True)
            self.backup = None


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif _exists(path):
        path.unlink()


def _print_outputs(outputs: list[str]) -> None:
    for path in outputs:
        kind = OUTPUT_KINDS.get(Path(path).name)
        if kind:
            print(f"{kind}: {path}")


def _build(
    args: argparse.Namespace, settings: generate.HandbookSettings, src: Path, out: Path, rollback: Rollback
) -> tuple[int, list[Path]]:
    """Verify, gate and run Sphinx (and LaTeX); the exit code and the outputs made."""
    want_html, want_pdf = args.target in ("html", "all"), args.target in ("pdf", "all")
    longlived.freeze()  # the modules imported so far
    code = check(settings, want_pdf)
    if code:
        return code, []
    rollback.save()
    longlived.freeze()  # the catalogue and its results stay to the end of the build
    outputs: list[Path] = []
    if want_html:
        if run_sphinx(src, out, "html", settings, args.verbose):
            return 1, []
        outputs.append(out / "html" / "index.html")
    if want_pdf:
        for variant, name in (("", PDF_NAME), ("details", DETAILS_NAME)):
            folder = out / ("latex-details" if variant else "latex")
            if run_sphinx(src, out, "latex", settings, args.verbose, variant=variant):
                return 1, []
            made = pdf.make_pdf(folder, verbose=args.verbose)
            if made is None:
                return 1, []
            shutil.copy2(made, out / name)
            outputs.append(out / name)
    _print_outputs([str(p) for p in outputs])
    return 0, outputs
