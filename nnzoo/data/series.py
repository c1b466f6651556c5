"""Forecasting series of the reservoir-computing literature: NARMA10 and the Lorenz system.

Both are laid out as the ``mackey-glass`` dataset
(:func:`nnzoo.data.generated.mackey_glass_splits`):
``X`` (N, D) inputs and ``y`` (N, D_out) targets, float32, rows in time order, split into
train / validation / test in time order (no shuffling: the test set is the future of the
training set). A reservoir reads each split as one sequence.

- ``narma10``: A. F. Atiya and A. G. Parlos, "New results on recurrent network training:
  unifying the algorithms and accelerating convergence", IEEE Transactions on Neural
  Networks 11(3), 2000, https://doi.org/10.1109/72.846741; the tenth-order system as used
  for echo state networks by H. Jaeger, "Adaptive nonlinear system identification with echo
  state networks", NIPS 2002.
- ``lorenz``: E. N. Lorenz, "Deterministic nonperiodic flow", Journal of the Atmospheric
  Sciences 20(2), 1963, https://doi.org/10.1175/1520-0469(1963)020<0130:DNF>2.0.CO;2.

Generators are deterministic given ``seed`` (NARMA's input noise comes from a private
:class:`torch.Generator`; the Lorenz system is deterministic apart from its start point).
"""

from __future__ import annotations

import numpy as np
import torch

from nnzoo.core.errors import ConfigError
from nnzoo.data.base import ArrayDataset, Splits, check_finite
from nnzoo.data.generated import _float, _int
from nnzoo.data.registry import register_dataset


def _time_splits(name: str, X: torch.Tensor, y: torch.Tensor, val_fraction: float,
                 test_fraction: float, description: str) -> Splits:
    """Consecutive train / val / test blocks of the rows of ``X`` and ``y`` (time order)."""
    vf = _float("val_fraction", val_fraction, nonneg=True)
    tf = _float("test_fraction", test_fraction, nonneg=True)
    if vf + tf >= 1:
        raise ConfigError(f"val_fraction + test_fraction must be < 1, got {vf + tf}")
    check_finite(X, name)
    check_finite(y, name, "targets")
    n = X.shape[0]
    n_test, n_val = int(round(n * tf)), int(round(n * vf))
    n_train = n - n_val - n_test
    if n_train < 1:
        raise ConfigError(f"{name}: {n} pairs leave no training pairs; use more steps")
    cut = [0, n_train, n_train + n_val, n]
    parts = [ArrayDataset(X[a:b], y[a:b]) for a, b in zip(cut[:-1], cut[1:])]
    return Splits(name=name, train=parts[0], val=parts[1], test=parts[2], task="regression",
                  n_classes=None, sample_shape=tuple(X.shape[1:]), classes=None,
                  description=f"{description}; train/val/test = {n_train}/{n_val}/{n_test} "
                              "consecutive pairs in time order.")


# ---------------------------------------------------------------------------------------
# NARMA10


def narma(n_steps: int, order: int = 10, *, a: float = 0.3, b: float = 0.05, c: float = 1.5,
          d: float = 0.1, transient: int = 200, seed: int = 0) -> tuple[torch.Tensor,
                                                                        torch.Tensor]:
    """The NARMA system of order ``n`` (Atiya & Parlos 2000), driven by ``u ~ U[0, 0.5]``:

    ``y[t+1] = a y[t] + b y[t] sum_{i=0}^{n-1} y[t-i] + c u[t-n+1] u[t] + d``

    (``a, b, c, d = 0.3, 0.05, 1.5, 0.1``: NARMA10). The first ``transient`` steps, started
    from ``y = 0``, are dropped.

    :param n_steps: length of the returned series.
    :param order: the order ``n`` (the memory the task needs).
    :param a: the coefficient of ``y[t]``.
    :param b: the coefficient of ``y[t]`` times the sum of the last ``n`` outputs.
    :param c: the coefficient of the product of the inputs ``n - 1`` steps apart.
    :param d: the constant term.
    :param transient: steps simulated and dropped before the returned ones.
    :param seed: seeds the input noise.
    :returns: ``u`` and ``y``, float64 ``(n_steps,)`` each, ``y[t]`` the output after
        input ``u[t]`` (so ``y[t]`` depends on ``u[t]``, ``u[t-n+1]`` and earlier outputs).
    """
    steps = _int("n_steps", n_steps, 1)
    n = _int("order", order, 1)
    skip = _int("transient", transient, 0)
    a, b, c, d = (_float(k, v) for k, v in (("a", a), ("b", b), ("c", c), ("d", d)))
    g = torch.Generator().manual_seed(_int("seed", seed, 0))
    total = steps + skip
    u = (0.5 * torch.rand(total, generator=g, dtype=torch.float64)).tolist()
    y = [0.0] * (total + 1)                          # y[t]; y[t + 1] follows input u[t]
    for t in range(total):                           # sequential by nature (a recurrence)
        window = sum(y[max(0, t - n + 1): t + 1])    # y[t-n+1] + ... + y[t]
        u_old = u[t - n + 1] if t >= n - 1 else 0.0
        y[t + 1] = a * y[t] + b * y[t] * window + c * u_old * u[t] + d
    out_u = torch.tensor(u[skip:], dtype=torch.float64)
    out_y = torch.tensor(y[skip + 1:], dtype=torch.float64)
    if not bool(torch.isfinite(out_y).all()):
        raise ConfigError(f"NARMA{n} diverged (non-finite outputs) for seed {seed}; "
                          "use another seed or a lower order")
    return out_u, out_y


def narma10_splits(n_steps: int = 10000, *, order: int = 10, val_fraction: float = 0.1,
                   test_fraction: float = 0.2, seed: int = 0) -> Splits:
    """NARMA10 system identification: ``X[t] = u[t]``, ``y[t]`` = the system's output after
    ``u[t]``, both ``(N, 1)`` float32, rows in time order, split in time order."""
    u, y = narma(n_steps, order, seed=seed)
    X, Y = u.to(torch.float32)[:, None], y.to(torch.float32)[:, None]   # (N, 1), (N, 1)
    return _time_splits(
        "narma10", X, Y, val_fraction, test_fraction,
        f"NARMA{order} (Atiya & Parlos 2000): input u ~ U[0, 0.5], target the system's output "
        f"y[t+1] = 0.3 y[t] + 0.05 y[t] sum(last {order} y) + 1.5 u[t-{order - 1}] u[t] + 0.1; "
        f"{n_steps} steps after a 200-step transient, seed {seed}")


# ---------------------------------------------------------------------------------------
# Lorenz system


def lorenz(n_steps: int, *, dt: float = 0.02, sigma: float = 10.0, rho: float = 28.0,
           beta: float = 8.0 / 3.0, x0: tuple[float, float, float] = (1.0, 1.0, 1.0),
           transient: int = 1000) -> torch.Tensor:
    """The Lorenz system ``dx/dt = sigma (y - x)``, ``dy/dt = x (rho - z) - y``,
    ``dz/dt = x y - beta z``, sampled every ``dt`` time units.

    Integrated by ``scipy.integrate.solve_ivp`` (DOP853, relative and absolute tolerance
    1e-9) from ``x0``; the first ``transient`` samples (the approach to the attractor) are
    dropped.

    :param n_steps: number of returned samples.
    :param dt: time between samples.
    :param sigma: the Prandtl number.
    :param rho: the Rayleigh number (28: chaotic).
    :param beta: the geometric factor.
    :param x0: the initial point.
    :param transient: samples dropped at the start.
    :returns: float64 ``(n_steps, 3)``: the columns ``x, y, z``.
    """
    from scipy.integrate import solve_ivp

    steps = _int("n_steps", n_steps, 1)
    skip = _int("transient", transient, 0)
    h = _float("dt", dt, positive=True)
    s, r, b = _float("sigma", sigma), _float("rho", rho), _float("beta", beta)
    start = [_float("x0", v) for v in x0]
    if len(start) != 3:
        raise ConfigError(f"x0 must be 3 numbers (x, y, z), got {x0!r}")

    def rhs(_: float, p: np.ndarray) -> list[float]:
        x, y, z = p
        return [s * (y - x), x * (r - z) - y, x * y - b * z]

    t = h * np.arange(steps + skip)
    sol = solve_ivp(rhs, (0.0, float(t[-1])), start, method="DOP853", t_eval=t, rtol=1e-9,
                    atol=1e-9)
    if not sol.success:
        raise ConfigError(f"the Lorenz integration failed: {sol.message}")
    return torch.from_numpy(sol.y.T[skip:].copy())


def lorenz_splits(n_steps: int = 10000, *, horizon: int = 1, dt: float = 0.02,
                  val_fraction: float = 0.1, test_fraction: float = 0.2) -> Splits:
    """Lorenz forecasting: ``X[t]`` = the state ``(x, y, z)`` at step ``t``, ``y[t]`` = the
    state ``horizon`` steps later, both ``(N, 3)`` float32 in time order.

    Each coordinate is standardised with the mean and standard deviation of the training
    part (stored in ``meta["mean"]`` and ``meta["std"]``), so that the inputs suit a tanh
    reservoir; errors are in units of each coordinate's standard deviation.
    """
    k = _int("horizon", horizon, 1)
    steps = _int("n_steps", n_steps, k + 3)
    s = lorenz(steps, dt=dt)                                              # (steps, 3)
    n = steps - k
    n_train = n - int(round(n * val_fraction)) - int(round(n * test_fraction))
    mean = s[: max(1, n_train)].mean(0)
    std = s[: max(1, n_train)].std(0).clamp_min(1e-12)
    z = ((s - mean) / std).to(torch.float32)
    sp = _time_splits(
        "lorenz", z[:-k], z[k:], val_fraction, test_fraction,
        f"Lorenz system (sigma=10, rho=28, beta=8/3), sampled every {dt} time units after a "
        f"1000-sample transient, {steps} samples, standardised on the training part; "
        f"X = state at t, y = state at t+{k}")
    sp.meta.update({"mean": mean, "std": std, "series": z})
    return sp


register_dataset("narma10", narma10_splits,
                 description="NARMA10 system identification (Atiya & Parlos 2000), "
                             "input u ~ U[0, 0.5], 10,000 steps", aliases=("narma",))
register_dataset("lorenz", lorenz_splits,
                 description="Lorenz attractor (x, y, z), next-step forecasting, "
                             "standardised, 10,000 steps", aliases=("lorenz63",))

__all__ = ["lorenz", "lorenz_splits", "narma", "narma10_splits"]
