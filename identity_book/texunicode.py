"""Unicode in catalogue text (``ᵀ``, ``‖``, ``⊗``, Greek) for pdfLaTeX.

pdfLaTeX stops on a character it has no definition for, so the preamble declares the
mathematical characters catalogue authors write in titles and notes, and the build reports
any other character at its file, line and identity before LaTeX sees it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

_GREEK_NAMES = {
    "α": "alpha",
    "β": "beta",
    "γ": "gamma",
    "δ": "delta",
    "ε": "epsilon",
    "ζ": "zeta",
    "η": "eta",
    "θ": "theta",
    "ι": "iota",
    "κ": "kappa",
    "λ": "lambda",
    "μ": "mu",
    "ν": "nu",
    "ξ": "xi",
    "π": "pi",
    "ρ": "rho",
    "σ": "sigma",
    "ς": "varsigma",
    "τ": "tau",
    "υ": "upsilon",
    "φ": "phi",
    "χ": "chi",
    "ψ": "psi",
    "ω": "omega",
    "ϕ": "phi",
    "ϵ": "epsilon",
    "Γ": "Gamma",
    "Δ": "Delta",
    "Θ": "Theta",
    "Λ": "Lambda",
    "Ξ": "Xi",
    "Π": "Pi",
    "Σ": "Sigma",
    "Υ": "Upsilon",
    "Φ": "Phi",
    "Ψ": "Psi",
    "Ω": "Omega",
}

_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUBSCRIPTS = "₀₁₂₃₄₅₆₇₈₉"
_SUPER_LETTERS = {
    "ᵀ": r"\mathsf{T}",
    "⁻": "-",
    "⁺": "+",
    "ⁿ": "n",
    "ⁱ": "i",
    "ᵏ": "k",
    "ʲ": "j",
    "ᵐ": "m",
    "ᵖ": "p",
    "ˣ": "x",
    "ᴴ": r"\mathsf{H}",
    "⁼": "=",
    "⁽": "(",
    "⁾": ")",
    **{ch: ch_ascii for ch, ch_ascii in zip("ᵃᵇᶜᵈᵉᶠᵍʰˡᵒʳˢᵗᵘᵛʷʸᶻ", "abcdefghlorstuvwyz", strict=True)},
    **{ch: ch_ascii for ch, ch_ascii in zip("ᴬᴮᴰᴱᴳᴵᴶᴷᴸᴹᴺᴼᴾᴿᵁᵂ", "ABDEGIJKLMNOPRUW", strict=True)},
}
_SUB_LETTERS = {
    "ᵢ": "i",
    "ⱼ": "j",
    "ₖ": "k",
    "ₙ": "n",
    "ₘ": "m",
    "ₚ": "p",
    "ₓ": "x",
    "₊": "+",
    "₋": "-",
    **{ch: ch_ascii for ch, ch_ascii in zip("ₐₑₕₗₒᵣₛₜᵤᵥ", "aehlorstuv", strict=True)},
}

_MATH = {
    "⊗": r"\otimes",
    "⊕": r"\oplus",
    "⊙": r"\odot",
    "∘": r"\circ",
    "−": "-",
    "×": r"\times",
    "÷": r"\div",
    "±": r"\pm",
    "∓": r"\mp",
    "·": r"\cdot",
    "⋅": r"\cdot",
    "∗": "*",
    "‖": r"\|",
    "∣": r"\mid",
    "∂": r"\partial",
    "∇": r"\nabla",
    "↦": r"\mapsto",
    "→": r"\to",
    "←": r"\leftarrow",
    "⇒": r"\Rightarrow",
    "⇐": r"\Leftarrow",
    "⇔": r"\Leftrightarrow",
    "↔": r"\leftrightarrow",
    "≠": r"\neq",
    "≤": r"\leq",
    "≥": r"\geq",
    "≈": r"\approx",
    "≅": r"\cong",
    "≡": r"\equiv",
    "∼": r"\sim",
    "≔": r":=",
    "∝": r"\propto",
    "∈": r"\in",
    "∉": r"\notin",
    "⊂": r"\subset",
    "⊆": r"\subseteq",
    "∪": r"\cup",
    "∩": r"\cap",
    "∑": r"\sum",
    "∏": r"\prod",
    "∫": r"\int",
    "∞": r"\infty",
    "√": r"\surd",
    "∀": r"\forall",
    "∃": r"\exists",
    "∅": r"\emptyset",
    "⊤": r"\top",
    "⊥": r"\perp",
    "⟨": r"\langle",
    "⟩": r"\rangle",
    "′": r"\prime",
    "″": r"\prime\prime",
    "ℝ": r"\mathbb{R}",
    "ℂ": r"\mathbb{C}",
    "ℕ": r"\mathbb{N}",
    "ℤ": r"\mathbb{Z}",
    "✓": r"\checkmark",
    "✗": r"\times",
    "⌊": r"\lfloor",
    "⌋": r"\rfloor",
    "⌈": r"\lceil",
    "⌉": r"\rceil",
    "∧": r"\wedge",
    "∨": r"\vee",
    "¬": r"\neg",
    "ℓ": r"\ell",
    "≻": r"\succ",
    "≺": r"\prec",
    "⪰": r"\succeq",
    "⪯": r"\preceq",
    "≽": r"\succcurlyeq",
    "≼": r"\preccurlyeq",
    "≪": r"\ll",
    "≫": r"\gg",
    "⊘": r"\oslash",
    "⋆": r"\star",
    "∖": r"\setminus",
    "⊊": r"\subsetneq",
}

# Characters pdfLaTeX's utf8 input encoding already prints with Sphinx's T1 fonts.
_TEXT_OK = set("–—‘’“”…†‡•€") | {chr(c) for c in range(0xA0, 0x180)} - set(_MATH) - {"¹", "²", "³"}


def declarations() -> dict[str, str]:
    """Character -> LaTeX (valid in text and in math mode)."""
    out = {ch: rf"\ensuremath{{\{name}}}" for ch, name in _GREEK_NAMES.items()}
    out.update({ch: rf"\ensuremath{{{tex}}}" for ch, tex in _MATH.items()})
    out.update({ch: rf"\ensuremath{{^{{{k}}}}}" for k, ch in enumerate(_SUPERSCRIPTS)})
    out.update({ch: rf"\ensuremath{{_{{{k}}}}}" for k, ch in enumerate(_SUBSCRIPTS)})
    out.update({ch: rf"\ensuremath{{^{{{tex}}}}}" for ch, tex in _SUPER_LETTERS.items()})
    out.update({ch: rf"\ensuremath{{_{{{tex}}}}}" for ch, tex in _SUB_LETTERS.items()})
    return out


# Unicode in text as LaTeX, for citations: the table above, plus typographic punctuation.
UNICODE_LATEX: dict[str, str] = {**declarations(), "–": "--", "—": "---", "’": "'", "“": "``", "”": "''"}
# Symbols pdflatex's utf8 input already typesets (no declaration needed).
KNOWN_TO_LATEX = frozenset("±²³¹×·–—’“”")


def sty_declarations(chars: Iterable[str]) -> list[tuple[str, str, str, bool]]:
    """``(hex code point, character, LaTeX, also for Unicode engines)`` for the symbols in
    ``chars`` that LaTeX does not know by itself. Unicode engines keep Greek letters (their
    fonts have them, and a document may use them elsewhere)."""
    used = {ch for ch in chars if ch in UNICODE_LATEX and ch not in KNOWN_TO_LATEX}
    return [(f"{ord(ch):04X}", ch, UNICODE_LATEX[ch], not "Ͱ" <= ch <= "Ͽ") for ch in sorted(used)]


def preamble() -> str:
    """``\\DeclareUnicodeCharacter`` lines for the LaTeX preamble."""
    return "\n".join(
        rf"\DeclareUnicodeCharacter{{{ord(ch):04X}}}{{{tex}}}" for ch, tex in sorted(declarations().items())
    )


def unprintable(text: str) -> list[str]:
    """Characters of ``text`` the PDF cannot print, as ``'ᵀ' (U+1D40 NAME)`` descriptions."""
    known = declarations()
    bad = []
    for ch in dict.fromkeys(text):
        if ch.isascii() or ch in known or ch in _TEXT_OK:
            continue
        bad.append(f"{ch!r} (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')})")
    return bad
