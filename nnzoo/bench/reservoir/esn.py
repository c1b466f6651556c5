"""Benchmarks of the echo state network against reservoirpy.

- ``mackey-glass`` (quick): reservoirpy's README set-up. The series is nnzoo's
  ``mackey-glass`` dataset with 2,000 steps (tau 17, reservoirpy's default seed 5555), not
  normalised (the README feeds the raw series), split as ``to_forecasting(X,
  test_size=0.2)`` does: ``X = x[t]``, ``y = x[t+1]``, the first 1,599 pairs train and the
  last 400 test (``val_fraction=0``). ESN: 100 units, spectral radius 1.25, leak rate 0.3,
  ridge 1e-5, warm-up (washout) 100, reservoirpy's defaults elsewhere (recurrent and input
  connectivity 0.1, +-1 input weights, no bias). The test series is run from the state
  where training ended, on both sides.
- ``narma10`` (quick): NARMA10 system identification (nnzoo's ``narma10``, 10,000 steps,
  70/10/20 % in time order; the validation part is not used), the ``esn/narma10`` recipe's
  reservoir (200 units, spectral radius 0.9, no leak, dense inputs scaled 0.2, biases 0.5,
  ridge 1e-8, washout 100). Quality: test NRMSE.

Quality is the mean over the same seeds of the test error with *each library drawing its own
reservoir* from the same hyperparameters (same distributions, different generators): what a
user of either library gets. Where reservoirpy's mean is lower, the row shows nnzoo's loss.
The agreement of the implementations is measured apart and reported in the notes and
``extra``: nnzoo draws ``W``, ``W_in`` and the biases, reservoirpy's ``Reservoir`` receives
them (``W`` as a CSR matrix, the sparse format its own initialiser produces), and the two
errors with the same reservoir are compared seed by seed (their medians and the largest
difference).

Time: construction plus ``fit`` with each library's own initialisation (the sparse draw and
the spectral-radius rescaling included: reservoirpy initialises lazily inside its first
``fit``), median over the seeds, the two sides alternated seed by seed (nnzoo first on even
seeds, reservoirpy first on odd ones, so that a slow spell of a shared machine falls on
both); ``extra`` also holds the fit time with the shared
matrices. Both sides run single-threaded (``one_thread``) and in float64
(reservoirpy's precision: nnzoo's model is ``.double()``-ed; its default is float32).
"""

from __future__ import annotations

import statistics
from functools import partial
from typing import Any

import numpy as np
import torch

from nnzoo.bench.arrays import targets
from nnzoo.bench.runner import BenchResult, bench_task, one_thread, peer_run, timed

PEER = "reservoirpy"
SEEDS = 10


def _rpy_esn(hp: dict[str, Any], seed: int, shared: Any = None) -> Any:
    """reservoirpy's ``Reservoir >> Ridge`` with ``hp``; its own draws, or ``shared`` =
    (W, W_in, bias) NumPy arrays injected."""
    from reservoirpy.mat_gen import bernoulli
    from reservoirpy.nodes import Reservoir, Ridge

    if shared is not None:
        from scipy import sparse

        W, W_in, bias = shared
        res = Reservoir(units=hp["n_units"], lr=hp["leak_rate"], W=sparse.csr_matrix(W),
                        Win=W_in, bias=bias)
    else:
        bias = bernoulli(input_scaling=hp["bias_scaling"]) if hp["bias_scaling"] else 0.0
        res = Reservoir(units=hp["n_units"], lr=hp["leak_rate"], sr=hp["spectral_radius"],
                        input_scaling=hp["input_scaling"], rc_connectivity=hp["connectivity"],
                        input_connectivity=hp["input_connectivity"], bias=bias, seed=seed)
    return res >> Ridge(ridge=hp["ridge"])


def _error(pred: np.ndarray, y: np.ndarray, normalised: bool, start: int = 0) -> float:
    pred, y = pred[start:], y[start:]
    rmse = float(np.sqrt(np.mean((pred - y) ** 2)))
    return rmse / float(np.std(y)) if normalised else rmse


def compare(hp: dict[str, Any], Xtr: torch.Tensor, ytr: torch.Tensor, Xte: torch.Tensor,
            yte: torch.Tensor, *, normalised: bool, seeds: int = SEEDS, score_from: int = 0
            ) -> tuple[dict[str, list[float]], str]:
    """Fit both sides on the training series, run both on the series that follows and score
    its steps from ``score_from`` on (see the module docstring); returns per-seed errors
    and times (the peer's lists empty when it is missing or failed) and the peer's status."""
    from nnzoo.core.config import build_config
    from nnzoo.models.reservoir.esn import EchoStateNetwork, ESNConfig

    D, K = Xtr.shape[1], ytr.shape[1]
    xtr, y_tr, xte, y_te = (a.double().numpy() for a in (Xtr, ytr, Xte, yte))
    washout = hp["washout"]
    r: dict[str, list[float]] = {k: [] for k in (
        "nnzoo_own", "peer_own", "nnzoo_shared", "peer_shared", "t_nnzoo", "t_peer",
        "t_nnzoo_fit", "t_peer_fit")}

    def ours(seed: int) -> EchoStateNetwork:
        torch.manual_seed(seed)
        cfg = build_config(ESNConfig, {"sample_shape": (D,), "n_outputs": K, **hp}, what="esn")
        return EchoStateNetwork(cfg).double().fit(Xtr, ytr)

    def err(pred: Any) -> float:
        pred = pred.double().numpy() if isinstance(pred, torch.Tensor) else pred
        return _error(pred, y_te, normalised, score_from)

    models: dict[int, EchoStateNetwork] = {}
    shared: dict[int, Any] = {}

    def our_own(s: int) -> None:
        m, t = timed(partial(ours, s))                       # own draws, construct + fit
        r["t_nnzoo"].append(t)
        r["nnzoo_own"].append(err(m.predict(Xte)))
        models[s] = m
        shared[s] = (m.W.double().numpy(), m.W_in.double().numpy(), m.bias.double().numpy())

    def our_fit(s: int) -> None:
        m = models.pop(s)
        _, t = timed(partial(m.fit, Xtr, ytr))               # the same reservoir again
        r["t_nnzoo_fit"].append(t)
        r["nnzoo_shared"].append(err(m.predict(Xte)))

    def theirs(seed: int, matrices: Any = None) -> Any:
        return _rpy_esn(hp, seed, matrices).fit(xtr, y_tr, warmup=washout)

    def peer_own(s: int) -> None:
        p, t = timed(partial(theirs, s))                     # own draws
        r["t_peer"].append(t)
        r["peer_own"].append(err(p.run(xte)))

    def peer_fit(s: int) -> None:
        p, t = timed(partial(theirs, s, shared[s]))          # nnzoo's reservoir
        r["t_peer_fit"].append(t)
        r["peer_shared"].append(err(p.run(xte)))

    with one_thread():
        ours(0)                                              # warm-up, timed by neither
        run = peer_run(partial(theirs, 0))                   # the peer's warm-up (and status)
        for s in range(seeds):                               # alternated: nnzoo first on even
            first = s % 2 == 0                               # seeds, the peer on odd ones
            for step in ([our_own, peer_own, our_fit, peer_fit] if first
                         else [peer_own, our_own, peer_fit, our_fit]):
                if step in (peer_own, peer_fit):
                    if run.ok:
                        run = peer_run(partial(step, s))
                else:
                    step(s)
    if not run.ok:
        for k in ("peer_own", "peer_shared", "t_peer", "t_peer_fit"):
            r[k] = []
    return r, run.status


def _result(task: str, metric: str, r: dict[str, list[float]], status: str, budget: str
            ) -> BenchResult:
    mean = {k: statistics.fmean(v) if v else None for k, v in r.items()}
    med = {k: statistics.median(v) if v else None for k, v in r.items()}
    n = len(r["nnzoo_own"])
    notes = f"{metric}: mean over seeds 0-{n - 1}, each library drawing its own reservoir"
    extra: dict[str, Any] = {k: [float(x) for x in v] for k, v in r.items()}
    if not status:
        gap = max(abs(a - b) / max(abs(b), 1e-300)
                  for a, b in zip(r["nnzoo_shared"], r["peer_shared"]))
        extra["shared_reservoir_max_relative_difference"] = gap
        notes += (f"; with the same reservoir on both sides (nnzoo's, injected into "
                  f"reservoirpy) the errors agree to {gap:.1e} relative (medians nnzoo "
                  f"{med['nnzoo_shared']:.4g}, reservoirpy {med['peer_shared']:.4g}); fit "
                  f"alone with the shared matrices: nnzoo {med['t_nnzoo_fit']:.3g} s, "
                  f"reservoirpy {med['t_peer_fit']:.3g} s")
    return BenchResult(
        "esn", "quick", task, metric, False, PEER, mean["nnzoo_own"], mean["peer_own"],
        med["t_nnzoo"], med["t_peer"],
        f"construct + fit, own draws (median of {n} seeds)", budget, notes=notes,
        extra=extra, status=status)


@bench_task("esn", "quick", "mackey-glass")
def esn_mackey_glass(quiet: bool) -> BenchResult:
    from nnzoo.data.generated import mackey_glass_splits

    sp = mackey_glass_splits(2000, val_fraction=0.0, test_fraction=0.2)
    hp = {"n_units": 100, "spectral_radius": 1.25, "leak_rate": 0.3, "ridge": 1e-5,
          "washout": 100, "connectivity": 0.1, "input_connectivity": 0.1,
          "input_scaling": 1.0, "bias_scaling": 0.0}
    r, status = compare(hp, sp.train.X, targets(sp), sp.test.X, targets(sp, "test"),
                        normalised=False)
    return _result("mackey-glass", "rmse", r, status,
                   "reservoirpy README: 2000 steps, 1599 train / 400 test, 100 units, sr 1.25, "
                   "leak 0.3, ridge 1e-5, warm-up 100; each library draws its own reservoir "
                   f"from these hyperparameters, mean of seeds 0-{SEEDS - 1}; float64, "
                   "single-threaded")


@bench_task("esn", "quick", "narma10")
def esn_narma10(quiet: bool) -> BenchResult:
    from nnzoo.data.series import narma10_splits

    sp = narma10_splits()
    hp = {"n_units": 200, "spectral_radius": 0.9, "leak_rate": 1.0, "ridge": 1e-8,
          "washout": 100, "connectivity": 0.1, "input_connectivity": 1.0,
          "input_scaling": 0.2, "bias_scaling": 0.5}
    Xte = torch.cat([sp.val.X, sp.test.X])           # the test follows the validation part
    yte = torch.cat([targets(sp, "val"), targets(sp, "test")])
    r, status = compare(hp, sp.train.X, targets(sp), Xte, yte, normalised=True, seeds=5,
                        score_from=len(sp.val))
    return _result("narma10", "nrmse", r, status, "NARMA10, 7000 train steps, scored on the "
                   "last 2000 (after the 1000 validation steps), 200 units, sr 0.9, no leak, "
                   "inputs 0.2, biases 0.5, ridge 1e-8, washout 100; each library draws its "
                   "own reservoir from these hyperparameters, mean of seeds 0-4; float64, "
                   "single-threaded")


__all__ = ["compare"]
