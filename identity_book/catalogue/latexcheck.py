"""Check a hand-written ``latex:`` display against a whitelist of math macros.

The display is printed as is inside a math environment, by MathJax in the browser and by
LaTeX in the PDF, so it must not reach anything that reads or writes files, redefines
macros, changes category codes, loads code or leaves math mode. Only the macros, environments
and characters below are accepted; everything else is an error at the entry's ``latex:`` line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from identity_book.catalogue.records import Catalogue, Identity
from identity_book.errors import Diagnostic

_GREEK = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "varepsilon",
    "zeta",
    "eta",
    "theta",
    "vartheta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "pi",
    "varpi",
    "rho",
    "varrho",
    "sigma",
    "varsigma",
    "tau",
    "upsilon",
    "phi",
    "varphi",
    "chi",
    "psi",
    "omega",
    "Gamma",
    "Delta",
    "Theta",
    "Lambda",
    "Xi",
    "Pi",
    "Sigma",
    "Upsilon",
    "Phi",
    "Psi",
    "Omega",
]

_MACROS = frozenset(
    _GREEK
    + (  # noqa: SIM905 (a word list reads better as text)
        # fonts and decorations
        "mathbf mathrm mathit mathsf mathtt mathcal mathbb mathfrak boldsymbol bm operatorname "
        "text textrm textit textbf mbox hat widehat tilde widetilde bar overline underline vec dot "
        "ddot check breve acute grave "
        # structures
        "frac dfrac tfrac sqrt binom left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl "
        "biggr Biggl Biggr begin end limits nolimits displaystyle textstyle scriptstyle "
        "underbrace overbrace stackrel overset underset substack "
        # functions
        "tr det log ln exp sin cos tan sinh cosh tanh arcsin arccos arctan max min sup inf lim "
        "arg deg dim ker Pr gcd "
        # operators and relations
        "sum prod int oint partial nabla otimes oplus odot circ cdot times div pm mp ast star "
        "bullet setminus cup cap wedge vee le leq ge geq ne neq equiv approx sim simeq cong "
        "propto in notin ni subset subseteq supset supseteq mid parallel perp to mapsto "
        "rightarrow leftarrow Rightarrow Leftarrow leftrightarrow Leftrightarrow implies iff "
        "longrightarrow longmapsto top bot infty emptyset forall exists neg lnot prime ell "
        "hbar Re Im langle rangle lvert rvert lVert rVert vert Vert lceil rceil lfloor rfloor "
        "ldots cdots vdots ddots dots quad qquad colon triangleq coloneqq dagger ddagger"
    ).split()
)

# Single-character control sequences: spacing, escaped specials, line break.
_SYMBOLS_OK = frozenset({",", ";", ":", "!", "{", "}", "|", "\\", "_", "%", "&", "#"})

_ENVIRONMENTS = frozenset(
    [
        "aligned",
        "alignedat",
        "gathered",
        "split",
        "matrix",
        "pmatrix",
        "bmatrix",
        "Bmatrix",
        "vmatrix",
        "Vmatrix",
        "smallmatrix",
        "cases",
        "array",
    ]
)

_TOKEN = re.compile(r"\\([A-Za-z]+)|\\(.)|(\^\^)|([{}])|(.)", re.DOTALL)
_FORBIDDEN_CHARS = {
    "$": "'$' (leaves math mode)",
    "#": "'#' (macro parameter)",
    "%": "'%' (comment; use \\%)",
    "`": "'`'",
    "~": "'~'",
}
MAX_LENGTH = 2000
MAX_DEPTH = 40


def check_latex(text: str) -> list[str]:
    """Problems with a hand-written display; an empty list means it is safe to print."""
    if len(text) > MAX_LENGTH:
        return [f"a latex display is at most {MAX_LENGTH} characters"]
    problems: list[str] = []
    depth = 0
    envs: list[str] = []
    for line in text.splitlines():
        if line.strip().startswith(":"):
            problems.append("a latex line may not start with ':'")
        if not line.strip() and text.strip():
            problems.append("a latex display has no blank lines")
    tokens = list(_TOKEN.finditer(text))
    i = 0
    while i < len(tokens):
        m = tokens[i]
        name, symbol, caret, brace, char = m.groups()
        if name is not None:
            if name not in _MACROS:
                problems.append(f"macro \\{name} is not allowed in a latex display")
            elif name in ("begin", "end"):
                env, i = _env_name(tokens, i)
                if env is None or env.rstrip("*") not in _ENVIRONMENTS:
                    problems.append(f"environment {env or '(none)'!r} is not allowed in a latex display")
                elif name == "begin":
                    envs.append(env)
                elif not envs or envs.pop() != env:
                    problems.append(f"\\end{{{env}}} does not match a \\begin")
        elif symbol is not None:
            if symbol not in _SYMBOLS_OK:
                problems.append(f"control symbol \\{symbol!r} is not allowed in a latex display")
        elif caret is not None:
            problems.append("'^^' character codes are not allowed in a latex display")
        elif brace is not None:
            depth += 1 if brace == "{" else -1
            if depth < 0:
                problems.append("unbalanced '}' in the latex display")
                depth = 0
            if depth > MAX_DEPTH:
                problems.append("braces nested too deeply in the latex display")
                break
        elif char in _FORBIDDEN_CHARS:
            problems.append(f"{_FORBIDDEN_CHARS[char]} is not allowed in a latex display")
        elif char is not None and (ord(char) < 32 and char not in "\n\t"):
            problems.append("control characters are not allowed in a latex display")
        i += 1
    if depth:
        problems.append("unbalanced '{' in the latex display")
    if envs:
        problems.append(f"\\begin{{{envs[-1]}}} is never ended")
    return _unique(problems)


def _env_name(tokens: list[re.Match[str]], i: int) -> tuple[str | None, int]:
    """Read ``{name}`` after ``\\begin``/``\\end``; returns the name and the index of ``}``."""
    chars: list[str] = []
    j = i + 1
    if j >= len(tokens) or tokens[j].group(4) != "{":
        return None, i
    j += 1
    while j < len(tokens) and tokens[j].group(5) is not None and len(chars) < 30:
        chars.append(tokens[j].group(5))
        j += 1
    if j >= len(tokens) or tokens[j].group(4) != "}":
        return None, i
    return "".join(chars), j


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def check_identity_latex(identity: Identity) -> list[Diagnostic]:
    """Diagnostics for an entry's ``latex:`` field, at its file and line."""
    if identity.latex is None:
        return []
    where = identity.where("latex")
    return [Diagnostic(where, f"latex: {p}", identity.id) for p in check_latex(identity.latex)]


def check_catalogue_latex(catalogue: Catalogue) -> list[Diagnostic]:
    return [d for ident in catalogue for d in check_identity_latex(ident)]
