"""The SMO of :func:`nnzoo.models.kernel.svm_solvers.smo` compiled by Numba, for the CPU.

The torch solver steps every binary problem at once, one batched step per iteration of a
Python loop: about thirty small tensor operations per step, whose dispatch costs far more than
their arithmetic when a problem has a few hundred samples (libsvm's SMO is a compiled C++
loop). This module runs the same algorithm as compiled loops over one problem at a time:
the same working-set selection (WSS3: ``i = argmax_{I_up} -y G`` and
``j = argmin_{t in I_low, b_it > 0} -b_it^2 / a_it``, first index on ties, as torch's
``max`` and ``argmin``), the same clipped step and snapping to the bounds, the same gradient
update ``G_t += (t y_t)(K_ti - K_tj)`` in the same order of floating-point operations, and the
same stopping rule, so both solvers return the same multipliers (``tests/test_svm.py``); the
bias is :func:`nnzoo.models.kernel.svm_solvers.rho_of`'s rule, computed in the same loops.

Numba compiles :func:`_smo_problems` on its first call in a process (about a second; nothing
is written to disk) and is imported only then.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning

from nnzoo.models.kernel.svm_solvers import TAU

_COMPILED: dict[str, Callable[..., Any]] = {}
_READY: set[torch.dtype] = set()          # kernel precisions compiled so far


def _smo_problems_py(K: np.ndarray, idx: np.ndarray, y: np.ndarray, C: float, tol: float,
                     max_iter: int, tau: float, alpha: np.ndarray, rho: np.ndarray,
                     steps: np.ndarray, done: np.ndarray) -> None:
    """SMO with WSS3 on each problem ``p`` (row of ``idx``, ``y``) in turn; writes the
    multipliers ``alpha`` (P, n), the bias ``rho`` (P,) (libsvm's ``calculate_rho``, as
    :func:`nnzoo.models.kernel.svm_solvers.rho_of`), steps taken ``steps`` (P,) and whether
    each problem met the tolerance ``done`` (P,). ``y`` is +-1 on members (first)
    and 0 on padding (last); ``K`` is the kernel matrix of the training set (rows named by
    ``idx``).

    The loops hold ``m_t = -y_t G_t`` (``y_t`` is +-1, so ``G_t += t y_t d_t`` is exactly
    ``m_t -= t d_t``) and walk each problem's members as runs of consecutive rows of ``K``,
    so that the gradient update reads kernel rows in order (one run per class when the
    samples are sorted by class)."""
    P, n = y.shape
    kd = np.empty(n)
    m = np.empty(n)
    up, low = np.empty(n), np.empty(n)                    # 0 in I_up / I_low, else -inf
    run_t = np.empty(n + 1, dtype=np.int64)               # runs: members run_t[r]..
    run_c = np.empty(n + 1, dtype=np.int64)               # .. are rows run_c[r]..
    for p in range(P):
        yy, ii, a = y[p], idx[p], alpha[p]
        k = 0                                             # members
        while k < n and yy[k] != 0:
            k += 1
        nr = 0
        for t in range(k):
            if t == 0 or ii[t] != ii[t - 1] + 1:
                run_t[nr], run_c[nr] = t, ii[t]
                nr += 1
        run_t[nr] = k
        for t in range(n):
            a[t] = 0.0
        for t in range(k):
            m[t] = yy[t]                                  # -y G with G = -1 at a = 0
            kd[t] = np.float64(K[ii[t], ii[t]])           # K_tt
            up[t] = 0.0 if yy[t] > 0 else -np.inf         # a = 0: up along y iff y = +1
            low[t] = -np.inf if yy[t] > 0 else 0.0
        cnt = 0
        done[p] = False
        gmax, gmax2, i = -np.inf, -np.inf, 0
        for t in range(k):                                # i = argmax_{I_up} -y G
            v = m[t] + up[t]
            if v > gmax:
                gmax, i = v, t
            w = low[t] - m[t]                             # max_{I_low} y G (a branch,
            if w > gmax2:                                 # not a chain of max latencies)
                gmax2 = w
        while True:
            if gmax + gmax2 < tol:                        # KKT violation below tol
                done[p] = True
                break
            if cnt >= max_iter:
                break
            Ki = K[ii[i]]
            best, j = np.inf, 0
            for r in range(nr):                           # j = argmin -b^2 / a over I_low
                c0 = run_c[r] - run_t[r]
                for t in range(run_t[r], run_t[r + 1]):
                    b = gmax - m[t]                       # b_it = -y_i G_i + y_t G_t
                    if b <= 0 or low[t] != 0:             # t not in I_low, or no ascent
                        continue
                    quad = kd[i] + kd[t] - 2 * np.float64(Ki[c0 + t])  # K_ii + K_tt - 2 K_it
                    quad = quad if quad > 0 else tau
                    score = -b * b / quad
                    if score < best:
                        best, j = score, t
            bj = gmax - m[j]
            qj = kd[i] + kd[j] - 2 * np.float64(Ki[ii[j]])
            qj = qj if qj > 0 else tau
            Kj = K[ii[j]]
            yi, yj, ai, aj = yy[i], yy[j], a[i], a[j]
            ub_i = C - ai if yi > 0 else ai               # room of a_i + y_i t
            ub_j = aj if yj > 0 else C - aj               # room of a_j - y_j t
            step = min(bj / qj, min(ub_i, ub_j))
            a[i] = (C if yi > 0 else 0.0) if step >= ub_i else ai + yi * step
            a[j] = (0.0 if yj > 0 else C) if step >= ub_j else aj - yj * step
            for t in (i, j):                              # I_up, I_low of the moved pair
                up[t] = 0.0 if ((a[t] < C) if yy[t] > 0 else (a[t] > 0)) else -np.inf
                low[t] = 0.0 if ((a[t] > 0) if yy[t] > 0 else (a[t] < C)) else -np.inf
            # one pass: G_t += y_t t (K_ti - K_tj), then the next step's i and max_{I_low} y G
            gmax, gmax2, i = -np.inf, -np.inf, 0
            for r in range(nr):
                c0 = run_c[r] - run_t[r]
                for t in range(run_t[r], run_t[r + 1]):
                    mt = m[t] - step * (np.float64(Ki[c0 + t]) - np.float64(Kj[c0 + t]))
                    m[t] = mt
                    v = mt + up[t]
                    if v > gmax:
                        gmax, i = v, t
                    w = low[t] - mt
                    if w > gmax2:
                        gmax2 = w
            cnt += 1
        steps[p] = cnt
        # the bias, as rho_of: the mean of y G = -m over free multipliers, else the middle
        # of [max lower bound, min upper bound]
        nfree, total, ub, lb = 0, 0.0, np.inf, -np.inf
        for t in range(k):
            if a[t] >= C:
                if yy[t] < 0:
                    ub = min(ub, -m[t])
                else:
                    lb = max(lb, -m[t])
            elif a[t] <= 0:
                if yy[t] > 0:
                    ub = min(ub, -m[t])
                else:
                    lb = max(lb, -m[t])
            else:
                nfree += 1
                total += -m[t]
        if nfree > 0:
            rho[p] = total / nfree
        elif np.isinf(ub):
            rho[p] = 0.0 if np.isinf(lb) else lb
        else:
            rho[p] = ub if np.isinf(lb) else (ub + lb) / 2


def _compiled() -> Callable[..., Any]:
    """:func:`_smo_problems_py` compiled by Numba (once per process)."""
    if "smo" not in _COMPILED:
        import numba

        _COMPILED["smo"] = numba.njit(nogil=True)(_smo_problems_py)
    return _COMPILED["smo"]


def smo_numba(K: torch.Tensor, idx: torch.Tensor, y: torch.Tensor, C: float, tol: float,
              max_iter: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """:func:`nnzoo.models.kernel.svm_solvers.smo` by the compiled loops (CPU tensors only):
    the same arguments and results.

    :param K: kernel matrix (N, N) float64 or float32; :param idx: rows of each problem
        (P, n); :param y: labels (P, n) in {+1, -1, 0 (padding)}.
    :param C: box constraint; :param tol: KKT tolerance; :param max_iter: most steps per
        problem.
    :returns: multipliers ``a`` (P, n) float64, ``rho`` (P,) and steps taken (P,).
    """
    Kn = np.ascontiguousarray(K.detach().numpy())
    ii = np.ascontiguousarray(idx.numpy(), dtype=np.int64)
    yy = np.ascontiguousarray(y.numpy(), dtype=np.float64)
    P, n = yy.shape
    alpha, rho = np.empty((P, n)), np.empty(P)
    steps, done = np.zeros(P, dtype=np.int64), np.zeros(P, dtype=np.bool_)
    _compiled()(Kn, ii, yy, float(C), float(tol), int(max_iter), TAU, alpha, rho, steps, done)
    _READY.add(K.dtype)
    if not done.all():
        warnings.warn(f"SMO stopped after max_iter={max_iter} steps with "
                      f"{int((~done).sum())} of {P} problems not converged (KKT violation "
                      ">= tol)", ConvergenceWarning, stacklevel=3)
    return torch.from_numpy(alpha), torch.from_numpy(rho), torch.from_numpy(steps)


def is_compiled(dtype: torch.dtype) -> bool:
    """Whether the solver is compiled, in this process, for kernel matrices of ``dtype``."""
    return dtype in _READY


def warm_up(dtype: torch.dtype = torch.float64) -> None:
    """Compile the solver now for kernel matrices of ``dtype`` (on a two-sample problem), so
    that a later fit does not pay the compilation."""
    smo_numba(torch.eye(2, dtype=dtype), torch.tensor([[0, 1]]), torch.tensor([[1, -1]]),
              1.0, 1e-3, 10)


__all__ = ["is_compiled", "smo_numba", "warm_up"]
