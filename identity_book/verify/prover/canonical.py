"""Canonical forms of terms: exact, by search over the orders of the factors.

A term's canonical form is the lexicographically least serialisation over all orders of its
legged factors (and, for a symmetric or skew-symmetric factor, both orientations), where the
free positions are named first, in order, and every summed index is named when it first occurs.
Equal canonical forms mean the networks are isomorphic (the serialisation determines the
network up to renaming summed indices), and isomorphic networks get equal canonical forms (the
minimum is taken over all orders), so the form decides equality exactly; it is never a hash.

The search keeps, depth by depth, every partial order whose serialisation so far is least; a
term with many interchangeable factors costs more, and the session's budget bounds it.
"""

from __future__ import annotations

from typing import Any

from identity_book.verify.prover.network import Atom, Dim, Session, Term

Token = tuple[str, tuple[int, ...]]


def _variants(atom: Atom, legs: tuple[int, ...]) -> list[tuple[tuple[int, ...], int]]:
    """(legs, sign) for each orientation the factor may be read in."""
    out = [(legs, 1)]
    if atom.sym and atom.nrows and 2 * atom.nrows == len(legs):
        out.append((legs[atom.nrows :] + legs[: atom.nrows], atom.sym))
    return out


def _token(key: str, legs: tuple[int, ...], names: dict[int, int], nxt: int) -> tuple[Token, dict[int, int], int]:
    new: dict[int, int] = {}
    out = []
    for leg in legs:
        name = names.get(leg)
        if name is None:
            name = new.get(leg)
            if name is None:
                name = new[leg] = nxt
                nxt += 1
        out.append(name)
    return (key, tuple(out)), new, nxt


def term_key(
    s: Session, term: Term, dims: tuple[Dim, ...]
) -> tuple[str, int, str, tuple[tuple[Atom, tuple[int, ...]], ...]]:
    """(canonical form, sign, index notation, factors in canonical order and orientation) of
    ``term``; the term equals sign × the term with those factors. The sign is 0 when the term is
    zero (it equals its own negative through skew-symmetric factors)."""
    names: dict[int, int] = {}
    for f in term.free:
        if f not in names:
            names[f] = len(names)
    free_token = tuple(names[f] for f in term.free)
    factors = term.factors
    # a state: (names, next name, factors left, sign, order taken)
    states: list[tuple[dict[int, int], int, tuple[int, ...], int, tuple[tuple[int, tuple[int, ...]], ...]]] = [
        (names, len(names), tuple(range(len(factors))), 1, ())
    ]
    tokens: list[Token] = []
    for _depth in range(len(factors)):
        best: Token | None = None
        children: list[tuple[Any, ...]] = []
        for nm, nxt, left, sign, order in states:
            for pos in left:
                atom, legs = factors[pos]
                for vlegs, vsign in _variants(atom, legs):
                    s.tick()
                    tok, new, nxt2 = _token(atom.key, vlegs, nm, nxt)
                    if best is not None and tok > best:
                        continue
                    if best is None or tok < best:
                        best, children = tok, []
                    children.append(
                        (nm, new, nxt2, tuple(p for p in left if p != pos), sign * vsign, order, pos, vlegs)
                    )
        assert best is not None
        tokens.append(best)
        seen: set[tuple[object, ...]] = set()
        states = []
        for nm, new, nxt2, left, sign, order, pos, vlegs in children:
            merged = {**nm, **new} if new else nm
            ident = (left, tuple(sorted(merged.items())), sign)
            if ident in seen:
                continue
            seen.add(ident)
            states.append((merged, nxt2, left, sign, (*order, (pos, vlegs))))
        if len(states) > 2000:
            s.tick(len(states) * 10)
    signs = {st[3] for st in states}
    scalars = tuple(sorted((a.key, p) for a, p in term.scalars))
    key = repr((tuple(repr(d) for d in dims), free_token, tuple(tokens), scalars))
    final = states[0]
    oriented = tuple((factors[pos][0], vlegs) for pos, vlegs in final[4])
    shown = _show(term, final[0], final[4], free_token)
    return key, (0 if len(signs) > 1 else final[3]), shown, oriented


_FREE = "ijklpqrs"
_BOUND = "abcdefghuvwxyz"


def _letters(free: tuple[int, ...]) -> tuple[dict[int, str], list[str]]:
    """Letters for the free names (each the letter of its first position) and the Kronecker
    deltas that repeated positions stand for."""
    letters: dict[int, str] = {}
    deltas = []
    for p, n in enumerate(free):
        here = _FREE[p] if p < len(_FREE) else f"i{p}"
        if n in letters:
            deltas.append(f"δ_{{{letters[n]}{here}}}")
        else:
            letters[n] = here
    return letters, deltas


def _show(
    term: Term, names: dict[int, int], order: tuple[tuple[int, tuple[int, ...]], ...], free: tuple[int, ...]
) -> str:
    """The term in index notation (without its coefficient): 'Σ_{a} A_{ia} B_{aj}'."""
    letters, deltas = _letters(free)
    nfree = len(letters)

    def name(n: int) -> str:
        if n in letters:
            return letters[n]
        k = n - nfree
        return _BOUND[k] if k < len(_BOUND) else f"a{k}"

    parts = list(deltas)
    for atom, power in sorted(term.scalars, key=lambda x: x[0].key):
        text = atom_text(atom)
        parts.append(text if power == 1 else f"{text}^{power}" if power > 0 else f"{text}^({power})")
    for pos, legs in order:
        atom = term.factors[pos][0]
        subs = [name(names[i]) for i in legs]
        sub = ",".join(subs) if any(len(x) > 1 for x in subs) else "".join(subs)
        parts.append(f"{atom_text(atom)}_{{{sub}}}" if legs else atom_text(atom))
    bound = sorted({names[i] for _, legs in order for i in legs} - set(letters))
    body = " ".join(parts) or "1"
    if bound:
        body = f"Σ_{{{','.join(name(b) for b in bound)}}} {body}"
    return body


def atom_text(atom: Atom) -> str:
    """An atom as a reader sees it: a variable's name, inv(...), det(...), tr-free index forms."""
    if atom.kind in ("var", "int"):
        return atom.name
    if atom.kind == "unit":
        return f"e[{atom.name}]"
    if atom.kind == "net":
        return f"({inner_text(atom)})"
    if atom.kind == "spow":
        return f"({inner_text(atom)})^({atom.name})"
    label = {"recip": "1/", "func": f"{atom.name}", "sign": "det"}.get(atom.kind, atom.kind)
    return f"{label}({inner_text(atom)})"


def inner_text(atom: Atom) -> str:
    """The argument of an opaque atom: a plain name (or its transpose) when it is one variable."""
    t = atom.arg
    if t is None:
        return atom.name
    if len(t.terms) == 1:
        u = t.terms[0]
        if u.coef == 1 and not u.scalars and len(u.factors) == 1 and len(set(u.free)) == len(u.free):
            a, legs = u.factors[0]
            if a.kind == "var" and tuple(legs) == u.free:
                return a.name
            if a.kind == "var" and len(legs) == 2 and tuple(reversed(legs)) == u.free:
                return f"{a.name}ᵀ"
    return show_sum(t.terms, t.nrows, len(t.legs))


def show_sum(terms: tuple[Term, ...], nrows: int, npos: int) -> str:
    """A sum of terms in index notation; the free indices are named i, j, k, ... in position order."""
    if not terms:
        return "0"
    out = []
    for u in terms:
        body = u.shown or "?"
        c = u.coef
        if c == 1:
            text = body
        elif c == -1:
            text = f"-{body}"
        else:
            text = f"{c} {body}" if body != "1" else f"{c}"
        out.append(text)
    text = " + ".join(out).replace("+ -", "- ")
    if npos:
        pos = [_FREE[p] if p < len(_FREE) else f"i{p}" for p in range(npos)]
        where = ",".join(pos[:nrows]) + ";" + ",".join(pos[nrows:]) if 0 < nrows < npos else ",".join(pos)
        text = f"[{where}] {text}"
    return text
