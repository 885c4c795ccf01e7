"""Expectations: ``E(expr)``, ``Var(expr)`` and ``Cov(a, b)`` over random variables.

A random variable is one with a stated distribution (``normal``, ``moments``, ``independent``
or ``chi``). It may appear only inside ``E``, ``Var`` or ``Cov``, and only polynomially (sums,
products, transposes, traces, Kronecker products, ``vec``, entries, integer powers; division by
fixed scalars), so that each expectation reduces exactly to the moments of the distributions. A
chi variable (positive) may also divide and have negative integer powers: a denominator may be
any product of chi variables and fixed scalars (a Laurent monomial, whose moments are known).
The degree (of a negative power: its size) is bounded: at most :data:`MAX_DEGREE` in each
variable and :data:`MAX_TOTAL_DEGREE` in all; 2 in a variable given by its mean and covariance
only, 1 in one given by its mean only (such a distribution determines no higher moment).

An expectation node carries everything its value depends on: its arguments, then for each random
variable it uses the mean (and covariance) expressions, so every consumer that evaluates trees
evaluates it the same way. ``value`` lists them: ``"x:normal:2;X:moments:1"`` (name, family,
number of parameter nodes).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from identity_book.errors import ExpressionError, LimitError
from identity_book.expr.nodes import ONE, Node, same_dim, scalar_like, show_shape

MAX_DEGREE = 8  # degree in one random variable (Var and Cov count twice)
MAX_TOTAL_DEGREE = 12  # the degrees in all the random variables of one expectation, added
OPS = ("E", "Var", "Cov")
ARGUMENTS = {"E": 1, "Var": 1, "Cov": 2}


@dataclass(frozen=True)
class RandomVariable:
    """A parsed distribution: the family, the mean and covariance trees, what it determines."""

    name: str
    family: str  # "normal", "moments" or "independent"
    mean: Node
    cov: Node | None
    central: tuple[Node, ...] = ()  # independent coordinates: central moments of order 2, 3, 4

    @property
    def max_degree(self) -> int:
        """The highest degree whose moments the distribution determines."""
        if self.family in ("normal", "chi"):
            return MAX_DEGREE
        if self.family == "independent":
            return 1 + len(self.central)
        return 2 if self.cov is not None else 1

    def parameters(self) -> list[Node]:
        """The trees an expectation node carries for this variable, in order."""
        return [self.mean, *([self.cov] if self.cov is not None else []), *self.central]

    def what(self) -> str:
        if self.family == "normal":
            return "a normal distribution"
        if self.family == "chi":
            return "a chi distribution"
        if self.family == "independent":
            return f"independent coordinates with central moments up to order {1 + len(self.central)}"
        return "a distribution given by its mean and covariance" if self.cov is not None else "a mean alone"


# Operations through which a random variable stays polynomial: the degrees of the arguments add
# (products) or the largest counts (sums and linear maps).
_PRODUCTS = ("mul", "scale", "matmul", "kron", "outer", "inner", "hadamard")
_LINEAR = ("add", "sub", "neg", "T", "tr", "vec", "entry", "block", "sum")
_DIVISIONS = {"div": 1, "ediv": 1, "divide": 0}  # op -> position of the (fixed) denominator


def degrees(node: Node, random: dict[str, RandomVariable | None]) -> dict[str, int]:
    """The degree of ``node`` in each random variable; an error where it is not polynomial."""
    if node.op == "var":
        return {str(node.value): 1} if str(node.value) in random else {}
    if node.op in OPS or not node.args:
        return {}
    if node.op == "sum":
        return degrees(node.args[2], random)
    parts = [degrees(a, random) for a in node.args]
    if not any(parts):
        return {}
    if node.op in _LINEAR:
        return _combine(parts, max)
    if node.op in _PRODUCTS:
        return _combine(parts, lambda a, b: a + b)
    if node.op in _DIVISIONS:
        den = _DIVISIONS[node.op]
        if parts[den] and not chi_monomial(node.args[den], random):
            raise ExpressionError(
                "division by a random expression is not polynomial (only by products of chi variables)",
                node.args[den].offset,
            )
        return _combine(parts, lambda a, b: a + b)
    if node.op == "pow" and not parts[1] and chi_monomial(node.args[0], random):
        k = _constant_power(node.args[1], negative=True)
        if k is None:
            raise ExpressionError("a power of a chi variable needs a constant integer exponent", node.args[1].offset)
        return {name: d * abs(k) for name, d in parts[0].items()}
    if node.op in ("pow", "mpow") and not parts[1]:
        k = _constant_power(node.args[1])
        if k is None:
            raise ExpressionError(
                "a power of a random expression needs a constant exponent 0, 1, 2, ...", node.args[1].offset
            )
        return {name: d * k for name, d in parts[0].items()}
    raise ExpressionError(
        f"{_name(node.op)} of a random expression is not polynomial: E(), Var() and Cov() take "
        "sums and products of the random variables (with transposes, traces, kron, vec, entries "
        "and integer powers)",
        node.offset,
    )


def _constant_power(node: Node, negative: bool = False) -> int | None:
    if negative and node.op == "neg":
        inner = _constant_power(node.args[0])
        return None if inner is None else -inner
    value = node.value if node.op == "const" else None
    if not isinstance(value, Fraction) or value.denominator != 1 or (value < 0 and not negative):
        return None
    return int(value)


def chi_monomial(node: Node, random: dict[str, RandomVariable | None]) -> bool:
    """Whether ``node`` is a scalar product of chi variables, their integer powers and fixed
    factors: what may divide (its inverse is again such a product)."""
    if not scalar_like(node.shape):
        return False
    if node.op == "var" and str(node.value) in random:
        dist = random[str(node.value)]
        return dist is not None and dist.family == "chi"
    if not _uses(node, random):
        return True  # fixed
    if node.op in ("mul", "scale", "div", "divide"):
        return all(chi_monomial(a, random) for a in node.args)
    if node.op == "neg":
        return chi_monomial(node.args[0], random)
    if node.op == "pow":
        return chi_monomial(node.args[0], random) and _constant_power(node.args[1], negative=True) is not None
    return False


def _uses(node: Node, random: dict[str, RandomVariable | None]) -> bool:
    if node.op == "var":
        return str(node.value) in random
    return node.op not in OPS and any(_uses(a, random) for a in node.args)


def _combine(parts: list[dict[str, int]], how: object) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in parts:
        for name, d in part.items():
            out[name] = how(out[name], d) if name in out else d  # type: ignore[operator]
    return out


def _name(op: str) -> str:
    return {"pow": "'**'", "mpow": "mpow()", "div": "'/'", "ediv": "'/'"}.get(op, f"{op}()")


def build(op: str, args: tuple[Node, ...], random: dict[str, RandomVariable | None], at: int) -> Node:
    """The checked node for ``E(a)``, ``Var(a)`` or ``Cov(a, b)``."""
    if len(args) != ARGUMENTS[op]:
        raise ExpressionError(f"{op}() takes {ARGUMENTS[op]} argument(s), got {len(args)}", at)
    found = [degrees(a, random) for a in args]
    total: dict[str, int] = _combine(found, lambda a, b: a + b)
    if op == "Var":
        total = {name: 2 * d for name, d in total.items()}
    used = [name for name in random if name in total]
    for name in used:
        dist = random[name]
        if dist is None:
            raise ExpressionError("a mean or covariance is fixed: it cannot use a random variable", at)
        if total[name] > dist.max_degree and dist.family == "normal":
            raise LimitError(f"{op}() of degree {total[name]} in {name}; at most {MAX_DEGREE} is computed", at)
        if total[name] > dist.max_degree:
            raise ExpressionError(
                f"{op}() needs moments of {name} up to degree {total[name]}, but {dist.what()} "
                f"determines them only up to degree {dist.max_degree}",
                at,
            )
    if sum(total.values()) > MAX_TOTAL_DEGREE:
        raise LimitError(
            f"{op}() of degree {sum(total.values())} in the random variables together; at most {MAX_TOTAL_DEGREE}", at
        )
    shape = _shape(op, args, at)
    params: list[Node] = []
    labels = []
    for name in used:
        dist = random[name]
        assert dist is not None
        mine = dist.parameters()
        params.extend(mine)
        labels.append(f"{name}:{dist.family}:{len(mine)}")
    return Node(op, (*args, *params), shape, value=";".join(labels), offset=at)


def _shape(op: str, args: tuple[Node, ...], at: int) -> tuple[object, object] | None:
    if op == "E":
        return args[0].shape
    if all(scalar_like(a.shape) for a in args):
        return None
    for a in args:
        if a.shape is None or not same_dim(a.shape[1], ONE):
            raise ExpressionError(
                f"{op}() takes scalars or column vectors, got {show_shape(a.shape)}; for a matrix X use vec(X)",
                a.offset,
            )
    rows = [a.shape[0] for a in args if a.shape is not None]
    return (rows[0], rows[-1])


def unpack(node: Node) -> tuple[tuple[Node, ...], list[tuple[str, str, list[Node]]]]:
    """The arguments of an expectation node, and (name, family, parameter trees) per random
    variable: mean and covariance, the covariance left out when not given; for independent
    coordinates the mean and the central moments of order 2, 3, 4 given."""
    count = ARGUMENTS[node.op]
    body, rest = node.args[:count], list(node.args[count:])
    out: list[tuple[str, str, list[Node]]] = []
    for label in filter(None, str(node.value or "").split(";")):
        name, family, n = label.split(":")
        taken, rest = rest[: int(n)], rest[int(n) :]
        out.append((name, family, taken))
    return body, out


def random_names(node: Node) -> list[str]:
    """The random variables an expectation node averages over."""
    return [name for name, *_ in unpack(node)[1]] if node.op in OPS else []
