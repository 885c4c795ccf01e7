"""Run LaTeX on the output of Sphinx's LaTeX builder and check the log."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

MISSING_TEX = (
    "the PDF needs TeX Live and latexmk; install them with `make system-deps` "
    "(scripts/system-deps.sh: latexmk texlive-latex-recommended texlive-latex-extra "
    "texlive-fonts-recommended tex-gyre)"
)
LATEX_TIMEOUT = 1800
_ERRORS = re.compile(r"^(! .*|\S+\.tex:\d+: .*)\n(.*\n){0,3}", re.MULTILINE)
_WARNINGS = re.compile(
    r"^(.*LaTeX Warning: (Reference|Hyper reference|Citation) .* undefined.*"
    r"|.*There were undefined references.*|Missing character: .*)$",
    re.MULTILINE,
)


def have_latex() -> bool:
    return shutil.which("latexmk") is not None and shutil.which("pdflatex") is not None


def log_problems(log: str) -> list[str]:
    """Errors (with the lines that show where) or, when there are none, undefined references
    and missing characters reported in a LaTeX log."""
    errors = [m.group(0).rstrip() for m in _ERRORS.finditer(log)]
    if errors:
        return errors
    return list(dict.fromkeys(m.group(0).strip() for m in _WARNINGS.finditer(log)))


def make_pdf(latexdir: Path, verbose: bool = False) -> Path | None:
    """Build the PDF of the (single) document in ``latexdir``; None (after a report) on failure."""
    sources = sorted(p for p in latexdir.glob("*.tex"))
    if len(sources) != 1:
        print(f"expected one LaTeX document in {latexdir}, found {len(sources)}", file=sys.stderr)
        return None
    tex = sources[0]
    command = [
        "latexmk",
        "-pdf",
        "-dvi-",
        "-ps-",
        "-interaction=nonstopmode",
        "-halt-on-error",
        "-file-line-error",
        tex.name,
    ]
    try:
        done = subprocess.run(
            command,
            cwd=latexdir,
            capture_output=not verbose,
            text=True,
            errors="replace",  # TeX writes its messages in 8-bit bytes, not always UTF-8
            timeout=LATEX_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        print(f"latexmk took longer than {LATEX_TIMEOUT} s on {tex}", file=sys.stderr)
        return None
    log_file = tex.with_suffix(".log")
    log = log_file.read_text(encoding="utf-8", errors="replace") if log_file.exists() else ""
    problems = log_problems(log)
    pdf = tex.with_suffix(".pdf")
    if done.returncode != 0 or not pdf.exists() or problems:
        for line in problems or (done.stdout or "").splitlines()[-20:]:
            print(f"{log_file.name}: {line}", file=sys.stderr)
        kept = f"; its log is kept in {_keep(log_file)}" if log_file.exists() else ""
        print(f"LaTeX failed on {tex.name} (exit {done.returncode}){kept}", file=sys.stderr)
        return None
    return pdf


def _keep(log: Path) -> Path:
    """A copy of a failed run's log outside the output folder (a failed build puts that back as
    it was, without the log)."""
    kept = Path(tempfile.mkdtemp(prefix="identity-book-latex-")) / log.name
    shutil.copy2(log, kept)
    return kept
