"""Benchmarks of the energy-based models: the RBM and the Boltzmann machine.

- RBM vs scikit-learn ``BernoulliRBM`` in scikit-learn's gallery set-up ("Restricted
  Boltzmann Machine features for digit classification"): the 8x8 digits nudged by one pixel
  in 4 directions (5x data), min-max scaled to [0, 1], ``train_test_split(test_size=0.2,
  random_state=0)``, 100 hidden units, learning rate 0.06, 10 epochs, batch 10, PCD-1 on both
  sides, then ``LogisticRegression(C=6000)`` on the hidden probabilities. Quality: test
  accuracy of the pipeline; time: RBM fit time per epoch.
- Full tier: MNIST, 1024 hidden units with the ``rbm/mnist`` recipe's rule, beside
  ``BernoulliRBM`` with the same width, rate, batch and epochs; logistic regression on the
  hidden probabilities with C picked on validation; accuracy on the test set (target
  <= 1.83 % error).
- Boltzmann machine vs exact-gradient ascent: no maintained library implements the general
  Boltzmann machine, so the peer is the ideal the sampled rule approximates, gradient ascent
  on the exact log-likelihood (every state enumerated), with the same learning rate,
  momentum and number of updates on 3x3 bars-and-stripes. Quality: exact mean
  log-likelihood of the data (the best possible is -log 14 = -2.64).

Both sides of each row run single-threaded (torch, OpenBLAS and OpenMP pools limited to one
thread): the updates are tiny minibatch products, for which thread synchronisation costs more
than it saves, and a loaded 2-core machine otherwise makes thread barriers dominate.
"""

from __future__ import annotations

import statistics
import warnings
from typing import Any, cast

import numpy as np
import torch

from nnzoo.bench.arrays import flat, targets
from nnzoo.bench.runner import BenchResult, bench_task, one_thread, peer_run, timed


def nudged_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's gallery data: digits shifted by one pixel in 4 directions (5x),
    min-max scaled to [0, 1]."""
    from scipy.ndimage import convolve
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import minmax_scale

    X, y = load_digits(return_X_y=True)
    X = np.asarray(X, "float32")
    vectors = [[[0, 1, 0], [0, 0, 0], [0, 0, 0]], [[0, 0, 0], [1, 0, 0], [0, 0, 0]],
               [[0, 0, 0], [0, 0, 1], [0, 0, 0]], [[0, 0, 0], [0, 0, 0], [0, 1, 0]]]

    def shift(x: np.ndarray, w: list[list[int]]) -> np.ndarray:
        return convolve(x.reshape((8, 8)), mode="constant", weights=w).ravel()

    X = np.concatenate([X] + [np.apply_along_axis(shift, 1, X, v) for v in vectors])
    y = np.concatenate([y] * 5)
    return minmax_scale(X, feature_range=(0, 1)), y


def _rbm_pipeline(Xtr: np.ndarray, ytr: np.ndarray, Xte: np.ndarray, yte: np.ndarray, *,
                  tier: str, task: str, n_components: int, n_iter: int, lr: float, C: float,
                  batch: int, repeats: int = 3) -> BenchResult:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    from nnzoo.models.energy.rbm_estimator import RBMTransformer

    def score(rbm: Any) -> float:
        clf = LogisticRegression(C=C, max_iter=10000)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(rbm.transform(Xtr), ytr)
        return float(clf.score(rbm.transform(Xte), yte))

    with one_thread():
        ours = RBMTransformer(n_components=n_components, learning_rate=lr, n_iter=n_iter,
                              batch_size=batch, k=1, persistent=True, random_state=0)
        ours.fit(Xtr[:200])                              # warm-up (allocator), timed by neither
        t_ours = [timed(lambda: ours.fit(Xtr))[1] for _ in range(repeats)]
        acc_ours = score(ours)

        def peer_side() -> tuple[float, list[float]]:
            from sklearn.neural_network import BernoulliRBM

            peer = BernoulliRBM(n_components=n_components, learning_rate=lr, n_iter=n_iter,
                                batch_size=batch, random_state=0)
            times = [timed(lambda: peer.fit(Xtr))[1] for _ in range(repeats)]
            return score(peer), times

        run = peer_run(peer_side)
    acc_peer, t_peer = run.value if run.value else (None, None)
    return BenchResult(
        "rbm", tier, task, "accuracy", True, "scikit-learn BernoulliRBM", acc_ours, acc_peer,
        statistics.median(t_ours) / n_iter,
        statistics.median(t_peer) / n_iter if t_peer else None,
        f"RBM fit time per epoch (median of {repeats} fits)",
        f"{n_components} hidden, PCD-1, learning rate {lr}, batch {batch}, {n_iter} epochs, "
        f"then LogisticRegression(C={C}); {len(Xtr)} training samples, both single-threaded",
        notes="accuracy of RBM features + logistic regression on the test split; nnzoo "
              "shuffles the samples each epoch, BernoulliRBM visits them in a fixed order",
        extra={"nnzoo_fit_times": t_ours, "peer_fit_times": t_peer}, status=run.status)


@bench_task("rbm", "quick", "nudged-digits")
def rbm_digits(quiet: bool) -> BenchResult:
    from sklearn.model_selection import train_test_split

    X, y = nudged_digits()
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=0)
    return _rbm_pipeline(Xtr, ytr, Xte, yte, tier="quick", task="nudged-digits",
                         n_components=100, n_iter=10, lr=0.06, C=6000, batch=10)


@bench_task("rbm", "full", "mnist")
def rbm_mnist(quiet: bool) -> BenchResult:
    """MNIST, 1024 hidden units: nnzoo with the ``rbm/mnist`` recipe's rule (CD-1 on visible
    probabilities, momentum 0.5 then 0.9, L2 1e-5, visible biases from the data, batch 20, 40
    epochs) beside ``BernoulliRBM`` with the same width, rate, batch and epochs (PCD-1, the
    only rule it has). Features: hidden probabilities; on top, ``LogisticRegression`` fitted
    on the 55,000 training images with C picked on the 5,000 validation images, for each side
    separately; quality: accuracy on the 10,000 test images. The target is the maintained
    TensorFlow implementation's figure (yell/boltzmann-machines): <= 1.83 % test error."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    from nnzoo.data import load_dataset
    from nnzoo.models.energy.rbm_estimator import RBMTransformer
    from nnzoo.recipes import get_recipe

    s = load_dataset("mnist")
    Xtr, Xva, Xte = (flat(s.train.X, np.float32), flat(s.val.X, np.float32),
                     flat(s.test.X, np.float32))
    ytr, yva, yte = (targets(s).numpy(), targets(s, "val").numpy(),
                     targets(s, "test").numpy())
    hp, cfg = get_recipe("rbm", "mnist").resolve()
    steps_per_epoch = -(-len(Xtr) // cfg.batch_size)
    ours = RBMTransformer(
        n_components=hp["n_hidden"], learning_rate=hp["learning_rate"],
        batch_size=cfg.batch_size, n_iter=cfg.epochs, k=hp["k"], persistent=hp["persistent"],
        momentum=hp["momentum_coef"], weight_decay=hp["l2"],
        mean_field_visible=hp["mean_field_visible"], vbias_init=hp["vbias_init"],
        momentum_warmup=hp["momentum_warmup"] // steps_per_epoch, random_state=0)
    def score(rbm: Any) -> tuple[float, float]:
        Ftr, Fva, Fte = rbm.transform(Xtr), rbm.transform(Xva), rbm.transform(Xte)
        best: tuple[float, float, Any] = (-1.0, 0.0, None)
        for C in (1.0, 10.0, 100.0):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                clf = LogisticRegression(C=C, max_iter=1000).fit(Ftr, ytr)
            val = float(clf.score(Fva, yva))
            if val > best[0]:
                best = (val, C, clf)
        return float(best[2].score(Fte, yte)), best[1]

    def peer_side() -> tuple[float, float, float]:
        from sklearn.neural_network import BernoulliRBM

        peer = BernoulliRBM(n_components=hp["n_hidden"], learning_rate=hp["learning_rate"],
                            batch_size=cfg.batch_size, n_iter=cfg.epochs, random_state=0)
        with one_thread():
            _, t = timed(lambda: peer.fit(Xtr))
        return (*score(peer), t)

    with one_thread():
        _, t_ours = timed(lambda: ours.fit(Xtr))
    acc_ours, c_ours = score(ours)
    run = peer_run(peer_side)
    acc_peer, c_peer, t_peer = run.value if run.value else (None, None, None)
    return BenchResult(
        "rbm", "full", "mnist", "accuracy", True, "scikit-learn BernoulliRBM", acc_ours,
        acc_peer, t_ours / cfg.epochs, t_peer / cfg.epochs if t_peer else None,
        "RBM fit time per epoch",
        f"{hp['n_hidden']} hidden, learning rate {hp['learning_rate']}, batch "
        f"{cfg.batch_size}, {cfg.epochs} epochs; nnzoo: CD-{hp['k']} on visible "
        "probabilities, momentum 0.5 then 0.9, L2 1e-5, visible biases from the data; "
        "peer: PCD-1 (its only rule); then LogisticRegression, C picked on validation",
        notes="target: <= 1.83 % test error (yell/boltzmann-machines, RBM features + "
              "logistic regression); 55,000 training images, 10,000 test; single-threaded",
        extra={"test_error_nnzoo": 1 - acc_ours,
               "test_error_peer": 1 - acc_peer if acc_peer is not None else None,
               "C_nnzoo": c_ours, "C_peer": c_peer}, status=run.status)


# -- Boltzmann machine --------------------------------------------------------------------------

def bm_vs_exact(size: int = 3, n_hidden: int = 4, updates: int = 1000, seed: int = 0
                ) -> dict[str, float]:
    """Train a Boltzmann machine on ``size x size`` bars-and-stripes by the sampled rule and by
    exact-gradient ascent (same init, rate, momentum, updates); exact log-likelihoods."""
    from nnzoo.data.generated import bars_and_stripes
    from nnzoo.models import create
    from nnzoo.models.energy.bm import BoltzmannMachine

    X = bars_and_stripes(size)
    hp = {"sample_shape": (size * size,), "n_hidden": n_hidden, "learning_rate": 0.05,
          "momentum_coef": 0.5, "init_std": 0.1}
    torch.manual_seed(seed)
    sampled = cast(BoltzmannMachine, create("bm", **hp))
    torch.manual_seed(seed)
    exact = cast(BoltzmannMachine, create("bm", **hp))
    start = float(sampled.log_likelihood(X).mean())

    def run_sampled() -> None:
        for _ in range(updates):
            sampled.update(X[torch.randperm(len(X))])

    def run_exact() -> None:
        m, cfg = exact, exact.config
        for _ in range(updates):
            gw, gb = m.exact_gradient(X)
            m.vel_w.mul_(cfg.momentum_coef).add_(gw.float(), alpha=cfg.learning_rate)
            m.vel_b.mul_(cfg.momentum_coef).add_(gb.float(), alpha=cfg.learning_rate)
            m.weight.add_(m.vel_w)
            m.bias.add_(m.vel_b)

    with one_thread():
        _, t_s = timed(run_sampled)
        _, t_e = timed(run_exact)
    return {"start": start, "sampled": float(sampled.log_likelihood(X).mean()),
            "exact": float(exact.log_likelihood(X).mean()), "t_sampled": t_s, "t_exact": t_e,
            "n_patterns": len(X)}


@bench_task("bm", "quick", "bars-and-stripes-3x3")
def bm_bars_and_stripes(quiet: bool) -> BenchResult:
    r = bm_vs_exact(3, 4, 1000)
    return BenchResult(
        "bm", "quick", "bars-and-stripes-3x3", "log_likelihood", True,
        "exact-gradient ascent (enumeration)", r["sampled"], r["exact"], r["t_sampled"],
        r["t_exact"], "fit (1000 updates)",
        "9 visible + 4 hidden units, learning rate 0.05, momentum 0.5, 1000 full-batch "
        "updates; sampled: 100 persistent chains, 2 Gibbs sweeps per phase",
        notes=f"exact mean log-likelihood of the 14 patterns: {r['start']:.2f} at the start, "
              f"best possible {-np.log(14):.2f}; the peer follows the exact gradient",
        extra=r)
