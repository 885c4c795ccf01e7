"""Check a hand-written ``latex:`` display against a whitelist of math macros.

The display is printed as is inside a math environment, by MathJax in the browser and by
LaTeX in the PDF, so it must not reach anything that reads or writes files, redefines
macros, changes category codes, loads code or leaves math mode. Only the macros, environments
and characters below are accepted; everything else is an error at the entry's ``latex:`` line.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from identity_book import texunicode
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
        "mathbf mathrm mathit mathsf mathtt mathcal mathbb mathfrak boldsymbol operatorname "
        "text textrm textit textbf mbox hat widehat tilde widetilde bar overline underline vec dot "
        "ddot check breve acute grave "
        # structures
        "frac dfrac tfrac sqrt binom left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl "
        "biggr Biggl Biggr begin end limits nolimits displaystyle textstyle scriptstyle "
        "underbrace overbrace stackrel overset underset substack "
        # functions
        "det log ln exp sin cos tan sinh cosh tanh arcsin arccos arctan max min sup inf lim "
        "arg deg dim ker Pr gcd "
        # operators and relations
        "sum prod int oint partial nabla otimes oplus odot circ cdot times div pm mp ast star "
        "bullet setminus cup cap wedge vee le leq ge geq ne neq equiv approx sim simeq cong "
        "propto in notin ni subset subseteq supset supseteq mid parallel perp to mapsto "
        "rightarrow leftarrow Rightarrow Leftarrow leftrightarrow Leftrightarrow implies iff "
        "longrightarrow longmapsto top bot infty emptyset forall exists neg lnot prime ell "
        "hbar Re Im langle rangle lvert rvert lVert rVert vert Vert lceil rceil lfloor rfloor "
        "ldots cdots vdots ddots dots quad qquad colon triangleq dagger ddagger"
    ).split()
)
# MathJax knows these, the PDF's LaTeX does not
_UNDEFINED = {"tr": r"write \operatorname{tr}", "bm": r"write \boldsymbol", "coloneqq": "write :="}


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# macros and the number of arguments each takes, in braces
_ARGS = dict.fromkeys(_words("frac dfrac tfrac binom stackrel overset underset"), 2) | dict.fromkeys(
    _words(
        "mathbf mathrm mathit mathsf mathtt mathcal mathbb mathfrak boldsymbol operatorname text textrm "
        "textit textbf mbox hat widehat tilde widetilde bar overline underline vec dot ddot check breve "
        "acute grave sqrt underbrace overbrace substack"
    ),
    1,
)
_TEXT_MACROS = frozenset(_words("text textrm textit textbf mbox"))  # their argument is text
_IN_TEXT = _TEXT_MACROS | {"quad", "qquad", "ldots", "dots"}  # the macros that work in text
# big operators: \limits and \nolimits may follow them (and \operatorname{...})
_OPERATORS = frozenset(
    _words(
        "sum prod int oint lim max min sup inf det Pr gcd log ln exp sin cos tan sinh cosh tanh "
        "arcsin arccos arctan arg deg dim ker"
    )
)
# followed by a delimiter
_DELIMITED = frozenset(_words("left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr"))
_DELIMITER_WORDS = frozenset(_words("langle rangle lvert rvert lVert rVert vert Vert lceil rceil lfloor rfloor"))
_DELIMITER_CHARS = frozenset("()[]./|<>")
_ENV_ARGS = {"array": 1, "alignedat": 1}  # the column specification, the number of columns
_ENV_OPTIONS = frozenset({"array", "aligned", "alignedat", "gathered"})  # [t] or [b] after \begin{...}

# Single-character control sequences: spacing, escaped specials, line break.
_SYMBOLS_OK = frozenset({",", ";", ":", "!", " ", "{", "}", "|", "\\", "_", "%", "&", "#"})

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
    for line in text.splitlines():
        if line.strip().startswith(":"):
            problems.append("a latex line may not start with ':'")
        if not line.strip() and text.strip():
            problems.append("a latex display has no blank lines")
    invisible = {ch for ch in text if _invisible(ch)}
    for ch in sorted(invisible):
        name = unicodedata.name(ch, "") or "a control character"
        problems.append(f"invisible or control character U+{ord(ch):04X} ({name}) is not allowed in a latex display")
    unprintable = texunicode.unprintable("".join(ch for ch in text if ch not in invisible))
    if unprintable:
        problems.append(f"the PDF cannot print {', '.join(unprintable)}")
    problems.extend(_Parser(text).problems)
    return _unique(problems)


def _invisible(ch: str) -> bool:
    """A control character (but newline and tab), a format character (U+200B, U+202E), a line or
    paragraph separator, or a private, surrogate or unassigned code point."""
    category = unicodedata.category(ch)
    return ch not in "\n\t" and (category.startswith("C") or category in ("Zl", "Zp"))


@dataclass(frozen=True)
class _Frame:
    """What the parser is inside: the top level, ``{...}``, a macro's argument, an environment,
    ``\\left...\\right`` or an optional ``[...]``; ``text`` in text mode, ``align`` where ``&``
    and ``\\\\`` may stand."""

    kind: str  # "top", "group", "arg", "env", "left", "optional"
    name: str = ""  # the environment, the \left delimiter, the macro
    text: bool = False
    align: bool = False


class _Stop(Exception):
    pass


class _Parser:
    """Reads a display as TeX would, far enough to find what stops LaTeX: unbalanced groups,
    environments and ``\\left``/``\\right``, missing arguments and delimiters, double scripts,
    ``\\limits`` after no operator, ``&`` and ``\\\\`` outside an alignment, math in text."""

    def __init__(self, text: str) -> None:
        self.tokens = [m.groups() for m in _TOKEN.finditer(text)]
        self.i = 0
        self.problems: list[str] = []
        self.frames: list[_Frame] = []
        with contextlib.suppress(_Stop):
            self.parse(_Frame("top", align=True))

    def fail(self, message: str) -> None:
        self.problems.append(message)

    def peek(self) -> tuple[str | None, ...] | None:
        """The next token that is not a space (skipped)."""
        while self.i < len(self.tokens) and (self.tokens[self.i][4] or "x").isspace():
            self.i += 1
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def parse(self, frame: _Frame) -> None:
        """Read up to the end of ``frame`` (which is consumed), or of an enclosing one (left)."""
        if len(self.frames) > MAX_DEPTH:
            self.fail("braces nested too deeply in the latex display")
            raise _Stop
        self.frames.append(frame)
        last: str | None = None  # "op" after an operator, "atom" after anything else
        scripts: set[str] = set()  # the scripts the last atom has
        try:
            while (token := self.peek()) is not None:
                closes = self.closes(token)
                if closes is frame:
                    self.close(token)
                    return
                if closes is not None:
                    break  # an enclosing frame's end: ours is not closed
                if self.stray(token):
                    continue
                self.i += 1
                name, symbol, _, _, char = token
                if char in ("^", "_"):
                    if frame.text:
                        self.fail(f"'{char}' in text (\\{frame.name}{{...}}) is not allowed; end the text first")
                    if char in scripts:
                        self.fail(f"double {'superscript' if char == '^' else 'subscript'}: write x{char}{{ab}}")
                    self.script(char)
                    scripts.add(char)
                    last = last or "atom"
                elif char == "'" and not frame.text:
                    if "^" in scripts:
                        self.fail("double superscript: a prime after a superscript")
                elif char == "&" or symbol == "\\":
                    self.alignment("&" if char else "\\\\", frame)
                    last, scripts = None, set()
                elif name in ("limits", "nolimits"):
                    if last != "op":
                        self.fail(
                            f"\\{name} must follow a big operator (\\sum, \\prod, \\int, \\lim, \\max, "
                            "\\operatorname{...})"
                        )
                else:
                    last, scripts = self.atom(token, frame), set()
        finally:
            self.frames.pop()
        self.unclosed(frame)

    def closes(self, token: tuple[str | None, ...]) -> _Frame | None:
        """The open frame ``token`` ends (the innermost one of its kind), if any."""
        name, _, _, brace, char = token
        for frame in reversed(self.frames):
            if (
                (brace == "}" and frame.kind in ("group", "arg"))
                or (name == "right" and frame.kind == "left")
                or (char == "]" and frame.kind == "optional")
                or (name == "end" and frame.kind == "env" and self.env_name(peek_only=True) == frame.name)
            ):
                return frame
        return None

    def close(self, token: tuple[str | None, ...]) -> None:
        self.i += 1
        if token[0] == "right":
            self.delimiter("right")
        elif token[0] == "end":
            self.env_name()

    def stray(self, token: tuple[str | None, ...]) -> bool:
        """Report (and skip) an end that closes nothing."""
        name, brace = token[0], token[3]
        if brace == "}":
            self.fail("unbalanced '}' in the latex display")
        elif name == "right":
            self.fail("\\right without a matching \\left before it (in the same group and line)")
        elif name == "end":
            self.i += 1
            env = self.env_name()
            if env is not None and env.rstrip("*") in _ENVIRONMENTS:
                self.fail(f"\\end{{{env}}} does not match a \\begin")
            else:
                self.fail(f"environment {env or '(none)'!r} is not allowed in a latex display")
            return True
        else:
            return False
        self.i += 1
        return True

    def unclosed(self, frame: _Frame) -> None:
        if frame.kind in ("group", "arg"):
            self.fail("unbalanced '{' in the latex display")
        elif frame.kind == "env":
            self.fail(f"\\begin{{{frame.name}}} is never ended")
        elif frame.kind == "left":
            self.fail(f"\\left{frame.name} has no matching \\right (in the same group and line)")
        elif frame.kind == "optional":
            self.fail(f"\\{frame.name}[ has no closing ']'")

    def alignment(self, what: str, frame: _Frame) -> None:
        if frame.align or (what == "\\\\" and frame.name == "substack"):
            return
        inside = {"left": "\\left...\\right", "arg": f"the argument of \\{frame.name}"}.get(frame.kind, "braces")
        if frame.text:
            inside = f"text (\\{frame.name}{{...}})"
        self.fail(f"'{what}' inside {inside} is not allowed; it separates the cells and lines of an environment")

    def script(self, char: str) -> None:
        token = self.peek()
        if (
            token is None
            or token[0] in ("left", "right", "middle", "end", "limits", "nolimits")
            or (token[3] == "}" or token[4] in ("^", "_", "&", "'") or token[1] == "\\")
        ):
            self.fail(f"'{char}' needs an argument: a character or {{...}}")
            return
        self.i += 1
        self.atom(token, self.frames[-1])

    def atom(self, token: tuple[str | None, ...], frame: _Frame) -> str:
        """Read one atom starting with ``token`` (already consumed); "op" for an operator."""
        name, symbol, caret, brace, char = token
        if brace == "{":
            self.parse(_Frame("group", frame.name if frame.text else "", frame.text))
        elif name is not None:
            return self.macro(name, frame)
        elif symbol is not None and symbol not in _SYMBOLS_OK:
            self.fail(f"control symbol \\{symbol!r} is not allowed in a latex display")
        elif symbol == "|" and frame.text:
            self.fail(f"\\| is a math symbol: it cannot stand in text (\\{frame.name}{{...}})")
        elif caret is not None:
            self.fail("'^^' character codes are not allowed in a latex display")
        elif char in _FORBIDDEN_CHARS:
            self.fail(f"{_FORBIDDEN_CHARS[char]} is not allowed in a latex display")
        return "atom"

    def macro(self, name: str, frame: _Frame) -> str:
        if name in _UNDEFINED:
            self.fail(f"macro \\{name} is not allowed in a latex display (the PDF has no \\{name}; {_UNDEFINED[name]})")
            return "atom"
        if name not in _MACROS:
            self.fail(f"macro \\{name} is not allowed in a latex display")
            return "atom"
        if frame.text and name not in _IN_TEXT:
            self.fail(f"\\{name} is a math macro: it cannot stand in text (\\{frame.name}{{...}})")
        if name == "begin":
            self.environment()
        elif name in _DELIMITED:
            delimiter = self.delimiter(name)
            if name == "left":
                self.parse(_Frame("left", delimiter))
            elif name == "middle" and frame.kind != "left":
                self.fail("\\middle stands only between \\left and \\right")
        elif name in _ARGS:
            if name == "operatorname" and self.peek() is not None and self.tokens[self.i][4] == "*":
                self.i += 1
            if name == "sqrt":
                self.optional(name)
            self.arguments(name, _ARGS[name], text=name in _TEXT_MACROS)
            return "op" if name == "operatorname" else "atom"
        return "op" if name in _OPERATORS else "atom"

    def arguments(self, name: str, count: int, text: bool = False) -> None:
        for _ in range(count):
            token = self.peek()
            if token is None or token[3] != "{":
                example = f"\\{name}{{a}}{{b}}" if count == 2 else f"\\{name}{{x}}"
                self.fail(f"\\{name} needs {count} argument{'s' if count > 1 else ''} in braces, as in {example}")
                return
            self.i += 1
            self.parse(_Frame("arg", name, text))

    def optional(self, name: str) -> None:
        token = self.peek()
        if token is not None and token[4] == "[":
            self.i += 1
            self.parse(_Frame("optional", name))

    def delimiter(self, name: str) -> str:
        """Read the delimiter after ``\\left`` (``\\right``, ``\\big``, ...) and return it."""
        token = self.peek()
        if token is not None and token[4] is not None and token[4] in _DELIMITER_CHARS:
            self.i += 1
            return token[4]
        if token is not None and (token[1] in ("{", "}", "|") or token[0] in _DELIMITER_WORDS):
            self.i += 1
            return f"\\{token[0] or token[1]}"
        self.fail(f"\\{name} must be followed by a delimiter such as ( [ | . or \\langle")
        return ""

    def environment(self) -> None:
        env = self.env_name()
        if env is None or env.rstrip("*") not in _ENVIRONMENTS:
            self.fail(f"environment {env or '(none)'!r} is not allowed in a latex display")
            return
        if env in _ENV_OPTIONS:
            self.optional(f"begin{{{env}}}")
        if env in _ENV_ARGS:
            self.arguments(f"begin{{{env}}}", _ENV_ARGS[env])
        self.parse(_Frame("env", env, align=True))

    def env_name(self, peek_only: bool = False) -> str | None:
        """Read ``{name}`` after ``\\begin``/``\\end`` (``self.i`` is just after the macro, or at
        it when ``peek_only``)."""
        j = self.i + 1 if peek_only else self.i
        chars: list[str] = []
        if j >= len(self.tokens) or self.tokens[j][3] != "{":
            return None
        j += 1
        while j < len(self.tokens) and self.tokens[j][4] is not None and len(chars) < 30:
            chars.append(str(self.tokens[j][4]))
            j += 1
        if j >= len(self.tokens) or self.tokens[j][3] != "}":
            return None
        if not peek_only:
            self.i = j + 1
        return "".join(chars)


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
