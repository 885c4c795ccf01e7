"""Matrix factorizations as functions: eigenvectors, the SVD, LU and Cholesky factors.

Each factor is made unique by a stated normalisation, so that an identity about it has one
meaning, and a point where the normalisation does not single out one factor is refused
(:class:`EvaluationError`, the point is drawn again):

- ``eigvecs(S)``: orthonormal eigenvectors of a symmetric S, in the order of ``eigvals(S)``
  (increasing), each column signed so that its entry of largest magnitude is positive; refused
  where two eigenvalues (nearly) coincide.
- ``svd_u(A)``, ``svd_v(A)``: the thin SVD A = U diag(σ) Vᵀ with σ = ``svdvals(A)`` (decreasing),
  the pair (uᵢ, vᵢ) signed so that the entry of vᵢ of largest magnitude is positive; refused
  where two singular values (nearly) coincide or one is (nearly) zero.
- ``lu_l(A)``, ``lu_u(A)``: Doolittle's A = LU without pivoting, L unit lower triangular,
  U upper triangular; refused where a leading principal minor is zero. Rational operations only,
  so exact at rational points.
- ``chol(S)``: the lower-triangular L with positive diagonal and S = L Lᵀ, for a symmetric
  positive definite S; square roots, so numeric only.
- ``schur_u(A)``, ``schur_t(A)``: the complex Schur form A = U T Uᴴ of any square A, U unitary
  and T upper triangular with the eigenvalues on its diagonal in the order of ``eig(A)``; each
  column of U is scaled so that its first entry is real and positive. For distinct eigenvalues
  that fixes U: its first k columns span the eigenvectors of the first k eigenvalues, and U is
  the Q of the QR factorisation of the eigenvectors. Refused where two eigenvalues (nearly)
  coincide, the eigenvectors are nearly dependent, or a first entry is (nearly) zero. Complex
  and irrational in general, so numeric only.

Eigenvectors, singular vectors and Cholesky factors are irrational at rational points: the
exact backend refuses them with :data:`NOT_EXACT`'s reason, and the identity keeps the numeric
strength. The prover has no index form for any of these (it refuses).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from identity_book.errors import EvaluationError, NotExact
from identity_book.verify import complexnum, exact, scipylazy

NOT_EXACT = {
    "eigvecs": "eigenvectors are irrational in general at rational points",
    "svd_u": "singular vectors are irrational in general at rational points",
    "svd_v": "singular vectors are irrational in general at rational points",
    "chol": "the Cholesky factor needs square roots, irrational in general at rational points",
    "schur_u": "the Schur vectors are complex and irrational in general at rational points",
    "schur_t": "the Schur form has the eigenvalues on its diagonal, algebraic numbers in general",
}
_GAP = 1e-6  # relative separation below which eigen- or singular values count as repeated


def _signed(columns: np.ndarray) -> np.ndarray:
    """Each column times the sign of its entry of largest magnitude."""
    out = np.array(columns, dtype=float)
    for j in range(out.shape[1]):
        k = int(np.argmax(np.abs(out[:, j])))
        if out[k, j] < 0:
            out[:, j] = -out[:, j]
    return out


def _separated(values: np.ndarray, scale: float, what: str) -> None:
    if values.size > 1 and np.min(np.abs(np.diff(values))) <= _GAP * scale:
        raise EvaluationError(f"{what} are (nearly) repeated here, so the factor is not unique")


def _symmetric(m: np.ndarray, name: str) -> float:
    scale = max(1.0, float(np.max(np.abs(m)))) if m.size else 1.0
    if not np.allclose(m, m.T, rtol=1e-12, atol=1e-12 * scale):
        raise EvaluationError(f"{name}() needs a symmetric matrix, and this point gives a non-symmetric one")
    return scale


def eigvecs(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=float)
    scale = _symmetric(m, "eigvecs")
    values, vectors = np.linalg.eigh((m + m.T) / 2)
    _separated(values, scale, "eigenvalues")
    return _signed(vectors)


def svd(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """U and V of the thin SVD, normalised as the module says."""
    m = np.asarray(m, dtype=float)
    u, s, vt = np.linalg.svd(m, full_matrices=False)
    scale = float(s[0]) if s.size and s[0] > 0 else 1.0
    _separated(s, scale, "singular values")
    if s.size and s[-1] <= _GAP * scale:
        raise EvaluationError("a singular value is (nearly) zero here, so the singular vectors are not unique")
    v = vt.T
    for j in range(v.shape[1]):
        k = int(np.argmax(np.abs(v[:, j])))
        if v[k, j] < 0:
            v[:, j], u[:, j] = -v[:, j], -u[:, j]
    return u, v


def chol(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=float)
    _symmetric(m, "chol")
    try:
        return np.asarray(scipylazy.linalg.cholesky((m + m.T) / 2, lower=True))
    except np.linalg.LinAlgError as err:
        raise EvaluationError("chol() needs a positive definite matrix") from err


def schur_order(values: list[complex], vectors: np.ndarray) -> list[int]:
    """The order of the eigenvalues on T's diagonal (that of ``eig``), after the refusals that
    make the Schur form unique; ``vectors`` are the eigenvectors as columns (unit length)."""
    scale = max([1.0, *(abs(v) for v in values)])
    for i, a in enumerate(values):
        for b in values[i + 1 :]:
            if abs(a - b) <= _GAP * scale:
                raise EvaluationError("two eigenvalues (nearly) coincide here, so the Schur form is not unique")
    if np.linalg.cond(np.asarray(vectors, dtype=complex)) > 1 / _GAP:
        raise EvaluationError("the eigenvectors are nearly dependent here, so the Schur vectors are ill-determined")
    return complexnum.spectrum_order(values)


def phase_first_row(q: Any) -> Any:
    """Each column of ``q`` divided by the phase of its first entry, which becomes real and positive."""
    out = q.copy()
    for j in range(out.shape[1]):
        first = out[0, j]
        if abs(first) <= _GAP:
            raise EvaluationError("a Schur vector has a (nearly) zero first entry here, so its phase is not fixed")
        out[:, j] = out[:, j] * (abs(first) / first)
    return out


def schur(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """U and T of the complex Schur form A = U T Uᴴ, normalised as the module says."""
    m = np.asarray(m, dtype=complex)
    values, vectors = np.linalg.eig(m)
    order = schur_order([complex(v) for v in values], vectors)
    q, _ = np.linalg.qr(vectors[:, order])
    u = phase_first_row(q)
    return u, u.conj().T @ m @ u


def lu(m: np.ndarray, floating: bool) -> tuple[np.ndarray, np.ndarray]:
    """Doolittle's LU without pivoting over any field (floats, rationals, 50-digit floats)."""
    n = m.shape[0]
    u = np.array(m, dtype=object)
    low = np.empty((n, n), dtype=object)
    one, zero = m[0, 0] * 0 + 1, m[0, 0] * 0
    low[:, :] = zero
    scale = max((abs(x) for x in m.flat), default=one) if floating else one
    for k in range(n):
        low[k, k] = one
        pivot = u[k, k]
        if (floating and abs(pivot) <= 1e-10 * scale) or (not floating and not exact.nonzero(pivot)):
            raise EvaluationError("a leading principal minor is zero here, so A has no LU factors without pivoting")
        for i in range(k + 1, n):
            factor = u[i, k] / pivot
            low[i, k] = factor
            u[i, :] = u[i, :] - factor * u[k, :]
            u[i, k] = zero
    return low, u


def factor(name: str, m: Any, mode: str = "float") -> np.ndarray:
    """The factor ``name`` (one of the parser's ``FACTORS``) of ``m``; ``mode`` is the backend's arithmetic:
    ``float``, ``exact`` (only the LU factors; the others raise :class:`NotExact`) or ``precise``
    (50 digits: the LU factors here, the others in :mod:`~identity_book.verify.precise`)."""
    if name in ("lu_l", "lu_u"):
        low, up = lu(np.asarray(m, dtype=object), mode != "exact")
        out = low if name == "lu_l" else up
        return np.asarray(out, dtype=float) if mode == "float" else out
    if mode == "exact":
        raise NotExact(NOT_EXACT[name])
    if mode == "precise":
        raise EvaluationError(f"{name}() has no 50-digit evaluation")
    if name == "eigvecs":
        return eigvecs(m)
    if name == "chol":
        return chol(m)
    if name in ("schur_u", "schur_t"):
        u, t = schur(m)
        return u if name == "schur_u" else t
    u, v = svd(m)
    return u if name == "svd_u" else v
