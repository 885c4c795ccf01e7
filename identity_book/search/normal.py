"""Normal forms of pattern trees: equal forms mean equal expressions up to renaming.

Rewrites (each an identity, so a match is never wrong): ``a - b = a + (-1)b``; ``*`` and ``+``
flattened, numbers multiplied into one coefficient; scalar factors moved out of ``@``, ``tr`` and
``.T``; transposes pushed to the leaves, ``(AB)ᵀ = BᵀAᵀ``, ``Xᵀᵀ = X``, ``(X⁻¹)ᵀ = (Xᵀ)⁻¹``;
``inner(A, B) = tr(AᵀB)``; ``tr`` linear, ``tr(A ⊗ B) = tr A tr B``. Then the arguments of ``+``
and ``*`` are sorted, a trace takes its least rotation (of the product or of its transpose), and
the variables are renamed ``x1, x2, ...`` by the renaming whose printed form is least (every
renaming for up to :data:`MAX_PERMUTED` names, else greedily one name at a time).

``identity_book/handbook/static/formula-search.js`` implements the same steps for the site's search
page; ``tests/test_find.py`` checks that both give the same forms for the whole catalogue.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from itertools import permutations

from identity_book.search.pattern import Term, parse_pattern

MAX_PERMUTED = 6
SCALAR_CALLS = frozenset({"tr", "det", "logdet", "logabsdet", "inner", "norm", "entry"})
ELEMENTWISE = frozenset({"log", "exp", "sqrt", "abs", "sin", "cos"})
TRANSPOSE_INSIDE = frozenset({"inv", "pinv", "expm", "sinm", "cosm", "sqrtm", "kron"})
TRANSPOSE_FREE = frozenset({"det", "logdet", "logabsdet", "norm"})
BLIND = "_"


def num(value: Fraction | int) -> Term:
    return Term("num", value=Fraction(value))


def is_scalar(t: Term) -> bool:
    """Scalar by its form alone (names are not: a query gives no shapes)."""
    if t.op == "num" or t.op in SCALAR_CALLS or t.op == "**":
        return True
    if t.op in ("+", "*", "/", "neg", *ELEMENTWISE):
        return all(is_scalar(a) for a in t.args)
    return False


def add(args: list[Term]) -> Term:
    flat = [b for a in args for b in (a.args if a.op == "+" else (a,))]
    return flat[0] if len(flat) == 1 else Term("+", tuple(flat))


def mul(args: list[Term]) -> Term:
    coeff, rest = Fraction(1), []
    for a in (b for x in args for b in (x.args if x.op == "*" else (x,))):
        if a.op == "num":
            coeff *= a.value  # type: ignore[operator]
        else:
            rest.append(a)
    if coeff == 0 or not rest:
        return num(coeff)
    if coeff != 1:
        rest.insert(0, num(coeff))
    return rest[0] if len(rest) == 1 else Term("*", tuple(rest))


def _split(t: Term) -> tuple[list[Term], Term | None]:
    """A factor's scalar parts and its matrix part (None when it is all scalar)."""
    if is_scalar(t):
        return [t], None
    if t.op == "*":
        scalars = [a for a in t.args if is_scalar(a)]
        rest = [a for a in t.args if not is_scalar(a)]
        return scalars, rest[0] if len(rest) == 1 else Term("*", tuple(rest))
    return [], t


def matmul(args: list[Term]) -> Term:
    scalars: list[Term] = []
    factors: list[Term] = []
    for a in args:
        s, m = _split(a)
        scalars += s
        if m is not None:
            factors += m.args if m.op == "@" else (m,)
    if not factors:
        return mul(scalars)
    core = factors[0] if len(factors) == 1 else Term("@", tuple(factors))
    return mul([*scalars, core]) if scalars else core


def transpose(t: Term) -> Term:
    """Tᵀ of a normal term, pushed to the leaves."""
    if is_scalar(t) or t.op == "I":
        return t
    if t.op == "T":
        return t.args[0]
    if t.op == "@":
        return matmul([transpose(a) for a in reversed(t.args)])
    if t.op in ("+", "*"):
        return (add if t.op == "+" else mul)([transpose(a) for a in t.args])
    if t.op in TRANSPOSE_INSIDE:
        return Term(t.op, tuple(transpose(a) for a in t.args))
    if t.op == "mpow":
        return Term("mpow", (transpose(t.args[0]), t.args[1]))
    return Term("T", (t,))


def trace(t: Term) -> Term:
    if t.op == "+":
        return add([trace(a) for a in t.args])
    if t.op == "kron":
        return mul([trace(a) for a in t.args])
    scalars, m = _split(t)
    if scalars and m is not None:
        return mul([*scalars, trace(m)])
    return Term("tr", (t,))


def rewrite(t: Term) -> Term:
    """The rewritten tree (bottom-up); names are kept."""
    if not t.args:
        return t
    a = [rewrite(x) for x in t.args]
    op = t.op
    if op == "neg":
        return mul([num(-1), a[0]])
    if op == "-":
        return add([a[0], mul([num(-1), a[1]])])
    if op == "+":
        return add(a)
    if op in ("*", "hadamard"):
        return mul(a)
    if op == "/" and a[1].op == "num" and a[1].value != 0:
        return mul([num(1 / Fraction(a[1].value)), a[0]])  # type: ignore[arg-type]
    if op == "@":
        return matmul(a)
    if op == "T":
        return transpose(a[0])
    if op == "inner":
        return trace(matmul([transpose(a[0]), a[1]]))
    if op == "tr":
        return trace(a[0])
    return Term(op, tuple(a))


def show(t: Term, names: dict[str, str], strip: bool = False) -> str:
    """The printed form with sorted commutative arguments; unnamed variables print as ``_``
    (``strip``: and transposes are left out, for near matches)."""
    if strip and t.op == "T":
        return show(t.args[0], names, strip)
    if t.op == "var":
        return names.get(str(t.value), BLIND)
    if t.op == "num":
        value = Fraction(t.value)  # type: ignore[arg-type]
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    if t.op == "tr" and t.args[0].op == "@":
        forward = [show(f, names, strip) for f in t.args[0].args]
        backward = [show(transpose(f), names, strip) for f in reversed(t.args[0].args)]
        rotations = (s[i:] + s[:i] for s in (forward, backward) for i in range(len(s)))
        return min(f"tr(@({','.join(r)}))" for r in rotations)
    if t.op == "tr" or t.op in TRANSPOSE_FREE:
        return min(f"{t.op}({show(x, names, strip)})" for x in (t.args[0], transpose(t.args[0])))
    parts = [show(a, names, strip) for a in t.args]
    if t.op in ("+", "*"):
        parts.sort()
    return f"{t.op}({','.join(parts)})"


def variables(t: Term) -> list[str]:
    """The distinct names, in order of first occurrence."""
    seen: dict[str, None] = {}
    for node in walk(t):
        if node.op == "var":
            seen.setdefault(str(node.value), None)
    return list(seen)


def walk(t: Term) -> Iterator[Term]:
    yield t
    for a in t.args:
        yield from walk(a)


@dataclass(frozen=True)
class Normal:
    """A normal form: its text, the renamings that give it (canonical → original name) and
    the name-blind forms of its subterms (for near matches)."""

    text: str
    renamings: tuple[dict[str, str], ...]
    keys: tuple[str, ...]


def canonical(t: Term) -> tuple[str, tuple[dict[str, str], ...]]:
    """The least printed form over renamings, and every renaming that gives it."""
    names = variables(t)
    if len(names) > MAX_PERMUTED:
        return _greedy(t, names)
    best, found = "", list[dict[str, str]]()
    for perm in permutations(range(len(names))):
        mapping = {n: f"x{perm[i] + 1}" for i, n in enumerate(names)}
        text = show(t, mapping)
        if not found or text < best:
            best, found = text, [mapping]
        elif text == best:
            found.append(mapping)
    return best, tuple({v: k for k, v in m.items()} for m in found)


def _greedy(t: Term, names: list[str]) -> tuple[str, tuple[dict[str, str], ...]]:
    """Name x1, x2, ... in turn, each time the name that makes the printed form least."""
    mapping: dict[str, str] = {}
    left = list(names)
    while left:
        label = f"x{len(mapping) + 1}"
        pick = min(left, key=lambda n: show(t, {**mapping, n: label}))
        mapping[pick] = label
        left.remove(pick)
    return show(t, mapping), ({v: k for k, v in mapping.items()},)


def subterm_keys(t: Term) -> tuple[str, ...]:
    """What near matches compare, sorted (a multiset): for every subterm that is an operation,
    its name-blind form, that form without transposes, and its operation with its arity."""
    keys = []
    for s in walk(t):
        if s.op in ("var", "num"):
            continue
        keys += [f"f:{show(s, {})}", f"h:{s.op}/{len(s.args)}"]
        if s.op != "T":
            keys.append(f"s:{show(s, {}, strip=True)}")
    return tuple(sorted(keys))


def normalise(text: str) -> Normal:
    """The normal form of an expression (raises :class:`ExpressionError` on bad input)."""
    tree = rewrite(parse_pattern(text))
    form, renamings = canonical(tree)
    return Normal(form, renamings, subterm_keys(tree))


def similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Dice coefficient of two sorted multisets of subterm forms (1 when equal, 0 when disjoint)."""
    if not a or not b:
        return 0.0
    i = j = common = 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            common, i, j = common + 1, i + 1, j + 1
        elif a[i] < b[j]:
            i += 1
        else:
            j += 1
    return 2 * common / (len(a) + len(b))
