"""Generated tasks: the synthetic benchmarks that classic papers defined by a recipe.

Every generator is deterministic given its ``seed`` (a private :class:`torch.Generator`, so
it neither reads nor disturbs the global RNG), vectorized, and validates its arguments with
a :class:`ConfigError` that says which argument is wrong and why.

- :func:`copy_task`, :func:`associative_recall`: Graves, Wayne & Danihelka, "Neural Turing
  Machines", arXiv:1410.5401, 2014 (sections 4.1 and 4.3).
- :func:`adding_problem`: Hochreiter & Schmidhuber, "Long Short-Term Memory", Neural
  Computation 9(8), 1997 (experiment 4), in the form used by Le, Jaitly & Hinton,
  arXiv:1504.00941, 2015 and Arjovsky, Shah & Bengio, ICML 2016.
- :func:`mackey_glass`: Mackey & Glass, "Oscillation and chaos in physiological control
  systems", Science 197(4300), 1977; discretized as ``reservoirpy.datasets.mackey_glass``
  was before reservoirpy 0.4 (0.4.2 changed its RK4 step; its series differs by up to 0.2).
- :func:`bars_and_stripes`: MacKay, "Information Theory, Inference, and Learning
  Algorithms", 2003 (the Boltzmann-machine toy distribution).
- :func:`random_patterns`: Hopfield, "Neural networks and physical systems with emergent
  collective computational abilities", PNAS 79(8), 1982 (capacity experiments).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from nnzoo.core.errors import ConfigError
from nnzoo.data.base import ArrayDataset, Splits, check_finite
from nnzoo.data.registry import register_dataset

# ---------------------------------------------------------------------------------------
# argument checks


def _int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ConfigError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _float(name: str, value: object, *, positive: bool = False, nonneg: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ConfigError(f"{name} must be a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise ConfigError(f"{name} must be finite, got {v}")
    if positive and v <= 0:
        raise ConfigError(f"{name} must be > 0, got {v}")
    if nonneg and v < 0:
        raise ConfigError(f"{name} must be >= 0, got {v}")
    return v


def _sizes(n: int, n_val: int | None, n_test: int | None) -> tuple[int, int, int]:
    n = _int("n", n, 1)
    n_val = max(1, n // 10) if n_val is None else _int("n_val", n_val, 0)
    n_test = max(1, n // 10) if n_test is None else _int("n_test", n_test, 0)
    return n, n_val, n_test


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(_int("seed", seed, 0))


def _split3(
    name: str,
    X: torch.Tensor,
    y: torch.Tensor | None,
    sizes: tuple[int, int, int],
    *,
    task: str,
    description: str,
) -> Splits:
    check_finite(X, name)
    a, b, _ = sizes
    part = [slice(0, a), slice(a, a + b), slice(a + b, None)]
    ds = [ArrayDataset(X[s], None if y is None else y[s]) for s in part]
    return Splits(
        name=name,
        train=ds[0],
        val=ds[1],
        test=ds[2],
        task=task,
        n_classes=None,
        sample_shape=tuple(X.shape[1:]),
        classes=None,
        description=description,
    )


# ---------------------------------------------------------------------------------------
# Neural Turing Machine tasks


def copy_task(
    n: int = 1000,
    seq_len: int = 10,
    n_bits: int = 8,
    *,
    n_val: int | None = None,
    n_test: int | None = None,
    seed: int = 0,
) -> Splits:
    """The copy task of Graves et al., "Neural Turing Machines" (2014), section 4.1.

    A sequence of ``seq_len`` random binary vectors (bits ~ Bernoulli(0.5)) is shown, framed
    by delimiter flags, then the network must reproduce it with no further input. Graves
    et al. draw the length at random in 1..20; here it is fixed per dataset so that samples
    stack into one tensor (make datasets of several lengths for a curriculum).

    Layout of ``X`` (shape ``(N, 2T + 2, n_bits + 2)``, float32 0/1, ``T = seq_len``):

    - step 0: start flag (channel ``n_bits``),
    - steps 1..T: the data bits (channels ``0..n_bits-1``),
    - step T+1: end flag (channel ``n_bits + 1``),
    - steps T+2..2T+1: all zeros; the model answers here.

    ``y`` (shape ``(N, T, n_bits)``) is the input sequence, to be compared with the model's
    outputs at steps T+2..2T+1 (binary cross-entropy, or bits wrong per sequence).

    :param n: training sequences; ``n_val`` and ``n_test`` default to ``max(1, n // 10)``.
    """
    sizes = _sizes(n, n_val, n_test)
    T = _int("seq_len", seq_len, 1)
    B = _int("n_bits", n_bits, 1)
    g = _generator(seed)
    total = sum(sizes)
    bits = torch.randint(0, 2, (total, T, B), generator=g).to(torch.float32)  # (N, T, B)
    X = torch.zeros(total, 2 * T + 2, B + 2)
    X[:, 0, B] = 1.0  # start delimiter
    X[:, 1 : T + 1, :B] = bits
    X[:, T + 1, B + 1] = 1.0  # end delimiter
    return _split3(
        "copy",
        X,
        bits,
        sizes,
        task="sequence",
        description=(
            f"NTM copy task (Graves et al. 2014): {T} random {B}-bit vectors between a start "
            f"and an end flag, then {T} blank steps where the model must repeat them; "
            f"X (N, {2 * T + 2}, {B + 2}), y (N, {T}, {B}); seed {seed}; "
            f"train/val/test = {sizes[0]}/{sizes[1]}/{sizes[2]} independent samples."
        ),
    )


def associative_recall(
    n: int = 1000,
    n_items: int = 6,
    item_len: int = 3,
    n_bits: int = 6,
    *,
    n_val: int | None = None,
    n_test: int | None = None,
    seed: int = 0,
) -> Splits:
    """Associative recall of Graves et al., "Neural Turing Machines" (2014), section 4.3.

    A list of ``n_items`` items is shown, each ``item_len`` random ``n_bits``-bit vectors
    preceded by an item flag; then a query (a copy of one item other than the last, drawn
    uniformly) framed by query flags; the network must output the item that followed the
    query in the list. The items of one sample are all different, so every query has
    exactly one answer. (Graves et al. use 6-bit vectors, 3 vectors per item and 2..6
    items.)

    Layout of ``X`` (float32 0/1, ``C = n_bits + 2`` channels, ``L = item_len``):

    - ``n_items`` blocks of ``L + 1`` steps: item flag (channel ``n_bits``), then the item,
    - query flag (channel ``n_bits + 1``), the query item (``L`` steps), query flag,
    - ``L`` blank steps where the model answers.

    Total length ``n_items * (L + 1) + 2 * L + 2``. ``y`` is the answer item, ``(N, L, n_bits)``.
    """
    sizes = _sizes(n, n_val, n_test)
    K = _int("n_items", n_items, 2)
    L = _int("item_len", item_len, 1)
    B = _int("n_bits", n_bits, 1)
    g = _generator(seed)
    total = sum(sizes)
    if L * B < 63 and K > 2 ** (L * B):
        raise ConfigError(
            f"n_items must be <= 2^(item_len * n_bits) = {2 ** (L * B)} so that items can "
            f"differ, got {K}"
        )
    items = _distinct_items(total, K, L * B, g).reshape(total, K, L, B)  # (N, K, L, B)
    q = torch.randint(0, K - 1, (total,), generator=g)  # query index; its successor exists
    rows = torch.arange(total)
    listing = torch.zeros(total, K, L + 1, B + 2)
    listing[:, :, 0, B] = 1.0  # item delimiter before each item
    listing[:, :, 1:, :B] = items
    query = torch.zeros(total, L + 2, B + 2)
    query[:, 0, B + 1] = 1.0
    query[:, 1 : L + 1, :B] = items[rows, q]  # (N, L, B)
    query[:, L + 1, B + 1] = 1.0
    blank = torch.zeros(total, L, B + 2)
    X = torch.cat([listing.reshape(total, K * (L + 1), B + 2), query, blank], dim=1)
    y = items[rows, q + 1]  # (N, L, B): the item after the queried one
    return _split3(
        "associative-recall",
        X,
        y,
        sizes,
        task="sequence",
        description=(
            f"NTM associative recall (Graves et al. 2014): {K} items of {L} random {B}-bit "
            f"vectors, then a query item; answer the item that followed it; X (N, "
            f"{X.shape[1]}, {B + 2}), y (N, {L}, {B}); seed {seed}; train/val/test = "
            f"{sizes[0]}/{sizes[1]}/{sizes[2]}."
        ),
    )


def _distinct_items(N: int, K: int, D: int, g: torch.Generator) -> torch.Tensor:
    """``(N, K, D)`` random 0/1 items, the K items of each sample all different.

    Redraws only the samples that hold a repeated item, so a query always has one answer.
    """
    items = torch.randint(0, 2, (N, K, D), generator=g).to(torch.float32)
    off_diag = ~torch.eye(K, dtype=torch.bool)
    for _ in range(1000):
        same = (items[:, :, None, :] == items[:, None, :, :]).all(-1)  # (N, K, K)
        bad = (same & off_diag).any(dim=(1, 2))  # (N,)
        n_bad = int(bad.sum())
        if n_bad == 0:
            return items
        items[bad] = torch.randint(0, 2, (n_bad, K, D), generator=g).to(torch.float32)
    raise ConfigError(
        f"could not draw {K} different items of {D} bits; use fewer items or longer ones"
    )


# ---------------------------------------------------------------------------------------
# LSTM long-time-lag task


def adding_problem(
    n: int = 1000,
    seq_len: int = 50,
    *,
    n_val: int | None = None,
    n_test: int | None = None,
    seed: int = 0,
) -> Splits:
    """The adding problem (Hochreiter & Schmidhuber 1997, experiment 4).

    Each step carries two numbers: a value ~ U[0, 1] (channel 0) and a marker (channel 1).
    Exactly two steps are marked, one in the first half of the sequence and one in the
    second; the target is the sum of the two marked values. ``X`` is ``(N, T, 2)`` float32,
    ``y`` is ``(N,)`` float32 in ``[0, 2]``. Predicting the constant 1 scores a mean squared
    error of 1/6 (about 0.167): a model must beat that to have learned anything.

    This is the form of Le, Jaitly & Hinton (2015) and Arjovsky et al. (2016); the 1997
    original used values in [-1, 1] and target ``0.5 + (x1 + x2) / 4``.
    """
    sizes = _sizes(n, n_val, n_test)
    T = _int("seq_len", seq_len, 2)
    g = _generator(seed)
    total = sum(sizes)
    values = torch.rand(total, T, generator=g)  # (N, T)
    half = T // 2
    first = torch.randint(0, half, (total,), generator=g)  # in [0, T/2)
    second = torch.randint(half, T, (total,), generator=g)  # in [T/2, T)
    rows = torch.arange(total)
    marks = torch.zeros(total, T)
    marks[rows, first] = 1.0
    marks[rows, second] = 1.0
    X = torch.stack([values, marks], dim=-1)  # (N, T, 2)
    y = values[rows, first] + values[rows, second]  # (N,)
    return _split3(
        "adding",
        X,
        y,
        sizes,
        task="regression",
        description=(
            f"Adding problem (Hochreiter & Schmidhuber 1997): {T} steps of (value ~ U[0,1], "
            f"marker); target = sum of the 2 marked values (one per half); constant-1 "
            f"baseline MSE = 1/6; seed {seed}; train/val/test = "
            f"{sizes[0]}/{sizes[1]}/{sizes[2]}."
        ),
    )


# ---------------------------------------------------------------------------------------
# Mackey-Glass chaotic series


def _mg_rhs(xt: float, xtau: float, beta: float, gamma: float, n: float) -> float:
    # dx/dt = beta * x(t - tau) / (1 + x(t - tau)^n) - gamma * x(t)
    return -gamma * xt + beta * xtau / (1 + xtau**n)


def _mg_rk4(xt: float, xtau: float, beta: float, gamma: float, n: float, h: float) -> float:
    # Classic RK4 in x with the delayed term x(t - tau) held fixed over the step
    # (reservoirpy's discretization before 0.4, same operation order, agreeing to the bit).
    k1 = h * _mg_rhs(xt, xtau, beta, gamma, n)
    k2 = h * _mg_rhs(xt + 0.5 * k1, xtau, beta, gamma, n)
    k3 = h * _mg_rhs(xt + 0.5 * k2, xtau, beta, gamma, n)
    k4 = h * _mg_rhs(xt + k3, xtau, beta, gamma, n)
    return xt + k1 / 6 + k2 / 3 + k3 / 3 + k4 / 6


def mackey_glass(
    n_steps: int,
    tau: int = 17,
    beta: float = 0.2,
    gamma: float = 0.1,
    n: int = 10,
    dt: float = 1.0,
    x0: float = 1.2,
    seed: int = 5555,
) -> torch.Tensor:
    """The Mackey-Glass series (Mackey & Glass, Science 1977), as reservoirpy < 0.4 computed it.

    ``dx/dt = beta * x(t - tau) / (1 + x(t - tau)^n) - gamma * x(t)``; ``tau = 17`` gives
    the mildly chaotic series of the echo-state literature (Jaeger & Haas 2004).

    Discretization (that of ``reservoirpy.datasets.mackey_glass``, whose ``a, b, h`` are
    ``beta, gamma, dt`` here): ``x[0] = x0``; one RK4 step of size ``dt`` per sample with the
    delayed value held fixed over the step; the delayed value is the sample
    ``L = floor(tau / dt)`` steps back, and for the first ``L`` steps it comes from a random
    history ``x0 + 0.2 * (u - 0.5)``, ``u ~ U[0, 1)`` drawn by ``numpy.random.default_rng(seed)``
    (so the same ``seed`` gave reservoirpy's series; 5555 was its default seed). reservoirpy
    ignored ``h`` inside its RK4 step; here ``dt`` is used, which is the same for ``dt = 1``.
    reservoirpy 0.4.2 changed its RK4 step, so its own series now differs (by up to 0.2); the
    benchmarks feed this series to both libraries.

    :returns: float64 tensor of shape ``(n_steps,)``.
    """
    steps = _int("n_steps", n_steps, 1)
    delay = _float("tau", tau, nonneg=True)
    beta = _float("beta", beta)
    gamma = _float("gamma", gamma)
    power = _float("n", n)
    dt = _float("dt", dt, positive=True)
    xt = _float("x0", x0)
    seed = _int("seed", seed, 0)
    L = int(math.floor(delay / dt))
    if delay > 0 and L == 0:
        raise ConfigError(f"tau must be 0 or >= dt, got tau={delay} with dt={dt}")
    rs = np.random.default_rng(seed)
    history = (xt * np.ones(L) + 0.2 * (rs.random(L) - 0.5)).tolist()
    buf = history + [0.0] * steps  # buf[L + i] = x[i]; x(t - tau) at step i is buf[i]
    for i in range(steps):  # sequential by nature: each step needs the one before
        buf[L + i] = xt
        xtau = buf[i] if L > 0 else 0.0
        xt = _mg_rk4(xt, xtau, beta, gamma, power, dt)
    out = torch.tensor(buf[L:], dtype=torch.float64)
    if not bool(torch.isfinite(out).all()):
        raise ConfigError(
            "mackey_glass diverged (non-finite values): choose a smaller dt or other parameters"
        )
    return out


def mackey_glass_splits(
    n_steps: int = 10000,
    *,
    horizon: int = 1,
    val_fraction: float = 0.1,
    test_fraction: float = 0.2,
    tau: int = 17,
    beta: float = 0.2,
    gamma: float = 0.1,
    n: int = 10,
    dt: float = 1.0,
    x0: float = 1.2,
    seed: int = 5555,
) -> Splits:
    """One-step (or ``horizon``-step) Mackey-Glass forecasting, split in time order.

    ``X[t] = x[t]`` and ``y[t] = x[t + horizon]``, both ``(N, 1)`` float32, rows in time
    order (keep them in order: models such as echo-state networks read them as one
    sequence). The first ``1 - val_fraction - test_fraction`` of the pairs are ``train``,
    the next ``val_fraction`` ``val``, the last ``test_fraction`` ``test``: no shuffling, so
    the test set is the future of the training set.
    """
    h = _int("horizon", horizon, 1)
    steps = _int("n_steps", n_steps, h + 3)
    vf = _float("val_fraction", val_fraction, nonneg=True)
    tf = _float("test_fraction", test_fraction, nonneg=True)
    if vf + tf >= 1:
        raise ConfigError(f"val_fraction + test_fraction must be < 1, got {vf + tf}")
    x = mackey_glass(steps, tau=tau, beta=beta, gamma=gamma, n=n, dt=dt, x0=x0, seed=seed)
    x = x.to(torch.float32)
    X, y = x[:-h].unsqueeze(1), x[h:].unsqueeze(1)  # (N, 1), (N, 1)
    N = X.shape[0]
    n_test = int(round(N * tf))
    n_val = int(round(N * vf))
    n_train = N - n_val - n_test
    if n_train < 1:
        raise ConfigError(f"n_steps={steps} leaves no training pairs; use more steps")
    sp = _split3(
        "mackey-glass",
        X,
        y,
        (n_train, n_val, n_test),
        task="regression",
        description=(
            f"Mackey-Glass series (tau={tau}, beta={beta}, gamma={gamma}, n={n}, dt={dt}, "
            f"x0={x0}, seed {seed}; reservoirpy's RK4 discretization), {steps} steps; "
            f"X = x[t], y = x[t+{h}], in time order: train/val/test = "
            f"{n_train}/{n_val}/{n_test} consecutive pairs."
        ),
    )
    sp.meta["series"] = x
    return sp


# ---------------------------------------------------------------------------------------
# Boltzmann-machine and Hopfield patterns


def bars_and_stripes(size: int = 4) -> torch.Tensor:
    """All bars-and-stripes patterns of a ``size x size`` grid (MacKay 2003).

    A pattern is made by choosing an orientation, then switching each whole row (stripes)
    or each whole column (bars) on or off. The blank and the full grid arise both ways and
    are counted once, so there are ``2^(size+1) - 2`` distinct patterns.

    :returns: float32 0/1 tensor of shape ``(2^(size+1) - 2, size * size)``, rows flattened
        row-major: first all stripes (by the binary number of their rows), then the bars.
    """
    s = _int("size", size, 1)
    if s > 16:
        raise ConfigError(f"size must be <= 16 ({2 ** (s + 1) - 2} patterns is too many), got {s}")
    codes = torch.arange(2**s)
    on = ((codes[:, None] >> torch.arange(s)) & 1).to(torch.float32)  # (2^s, s): which lines
    stripes = on[:, :, None].expand(-1, s, s)  # row i all equal to on[:, i]
    bars = on[1:-1, None, :].expand(-1, s, s)  # column j; skip blank and full (duplicates)
    return torch.cat([stripes, bars]).reshape(-1, s * s).contiguous()


def bars_and_stripes_splits(size: int = 4) -> Splits:
    """:func:`bars_and_stripes` as a :class:`Splits` (task ``"unsupervised"``).

    The whole distribution is the data: ``train``, ``val`` and ``test`` all hold every
    pattern, since a generative model (RBM, Boltzmann machine) is judged by how close its
    distribution comes to the uniform one over these patterns, not by held-out samples.
    """
    P = bars_and_stripes(size)
    return _whole_set(
        "bars-and-stripes", P,
        f"Bars and stripes (MacKay 2003), {size}x{size}: all {P.shape[0]} patterns, "
        "flattened row-major; train = val = test = the whole distribution.",
    )


def _whole_set(name: str, P: torch.Tensor, description: str) -> Splits:
    """Unsupervised :class:`Splits` whose train, val and test are all the patterns ``P``."""
    ds = ArrayDataset(P, None)
    return Splits(name=name, train=ds, val=ds, test=ds, task="unsupervised", n_classes=None,
                  sample_shape=(P.shape[1],), classes=None, description=description)


def random_patterns(
    n_patterns: int,
    n_units: int,
    seed: int = 0,
    values: Sequence[float] = (-1, 1),
) -> torch.Tensor:
    """Random binary patterns for Hopfield-network capacity experiments (Hopfield 1982).

    Each unit of each pattern is ``values[0]`` or ``values[1]`` with probability 1/2,
    independently: the setting of the classic capacity result (about ``0.138 * n_units``
    patterns for a Hebbian Hopfield net, Amit, Gutfreund & Sompolinsky 1985).

    :returns: float32 tensor ``(n_patterns, n_units)``.
    """
    P = _int("n_patterns", n_patterns, 1)
    N = _int("n_units", n_units, 1)
    vals = tuple(values)
    if len(vals) != 2:
        raise ConfigError(f"values must be two numbers, got {values!r}")
    lo, hi = (_float("values", v) for v in vals)
    if lo == hi:
        raise ConfigError(f"values must be two different numbers, got {values!r}")
    g = _generator(seed)
    bits = torch.randint(0, 2, (P, N), generator=g).to(torch.float32)
    return lo + (hi - lo) * bits


def random_patterns_splits(
    n_patterns: int = 10, n_units: int = 100, seed: int = 0, values: Sequence[float] = (-1, 1)
) -> Splits:
    """:func:`random_patterns` as a :class:`Splits` (unsupervised; train = val = test)."""
    P = random_patterns(n_patterns, n_units, seed=seed, values=values)
    return _whole_set(
        "random-patterns", P,
        f"{P.shape[0]} random patterns of {P.shape[1]} units with values {tuple(values)} "
        f"(p = 1/2 each), seed {seed}; a memory's patterns: train = val = test.",
    )


register_dataset("copy", copy_task, aliases=("copy-task",),
                 description="NTM copy task: repeat a sequence of random bit vectors")
register_dataset("associative-recall", associative_recall,
                 description="NTM associative recall: return the item that followed a queried "
                             "one")
register_dataset("adding", adding_problem, aliases=("adding-problem",),
                 description="adding problem: sum two marked values of a sequence")
register_dataset("mackey-glass", mackey_glass_splits, aliases=("mackey",),
                 description="Mackey-Glass chaotic series (tau=17), next-step forecasting")
register_dataset("bars-and-stripes", bars_and_stripes_splits, aliases=("bas",),
                 description="every bars-and-stripes pattern of a 4x4 grid")
register_dataset("random-patterns", random_patterns_splits,
                 description="random +-1 patterns for Hopfield capacity experiments")
