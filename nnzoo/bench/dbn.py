"""Benchmark of the deep belief network.

The reference implementation (albertbup/deep-belief-network) is not a maintained PyPI
release, so its README example is reproduced here and nnzoo's DBN runs it: scikit-learn
digits scaled to [0, 1] (``X / 16``), ``train_test_split(X, Y, test_size=0.2,
random_state=0)``, hidden layers [256, 256], RBM learning rate 0.05 for 10 epochs per layer,
then 100 epochs of backprop (SGD, learning rate 0.1, batch 32, ReLU, dropout 0.2). The
README's stored copy quotes no accuracy, so the runnable peer is scikit-learn's
``Pipeline(BernoulliRBM(256), BernoulliRBM(256), LogisticRegression)`` on the same split with
the same RBM widths, learning rate, epochs and batch (greedy stacking without fine-tuning) and
the weak regularisation (``C=6000``) of scikit-learn's RBM gallery example.
Quality: test accuracy; time: the whole fit of each side. Both sides run single-threaded
(torch, OpenBLAS and OpenMP pools limited to one thread), as the RBM benchmark: the minibatch
products are small, and on a loaded 2-core machine thread barriers dominate them.

Full tier: MNIST (train + validation = 60,000 images, the 10,000 test images), the
``dbn/mnist`` recipe's hyperparameters; the target is Hinton & Salakhutdinov's 1.2 % test
error (<= 1.25 %). Peer: the same scikit-learn pipeline with 500-unit RBMs.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from nnzoo.bench.runner import BenchResult, bench_task, one_thread, timed

PEER = "scikit-learn Pipeline(BernoulliRBM, BernoulliRBM, LogisticRegression)"


def reference_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The reference README's data: digits / 16, 80/20 split with ``random_state=0``."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    return tuple(train_test_split(X, y, test_size=0.2, random_state=0))  # type: ignore


def peer_pipeline(widths: tuple[int, ...], lr: float, n_iter: int, batch: int,
                  C: float = 1.0) -> Any:
    """Greedily stacked ``BernoulliRBM`` layers and a logistic regression on top."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import BernoulliRBM
    from sklearn.pipeline import Pipeline

    steps = [(f"rbm{i + 1}", BernoulliRBM(n_components=w, learning_rate=lr, n_iter=n_iter,
                                          batch_size=batch, random_state=0))
             for i, w in enumerate(widths)]
    return Pipeline([*steps, ("logistic", LogisticRegression(C=C, max_iter=5000))])


def _compare(Xtr: np.ndarray, ytr: np.ndarray, Xte: np.ndarray, yte: np.ndarray, *, tier: str,
             task: str, ours: Any, peer: Any, budget: str) -> BenchResult:
    from sklearn.exceptions import ConvergenceWarning

    with one_thread(), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        _, t_ours = timed(lambda: ours.fit(Xtr, ytr))
        _, t_peer = timed(lambda: peer.fit(Xtr, ytr))
        acc_ours, acc_peer = float(ours.score(Xte, yte)), float(peer.score(Xte, yte))
    return BenchResult(
        "dbn", tier, task, "accuracy", True, PEER, acc_ours, acc_peer, t_ours, t_peer,
        "whole fit (pre-training + fine-tuning; peer: RBMs + logistic regression)", budget,
        notes="the reference README (albertbup/deep-belief-network) quotes no accuracy; the "
              "peer stacks the same RBMs greedily without fine-tuning",
        extra={"test_error_nnzoo": 1 - acc_ours, "test_error_peer": 1 - acc_peer,
               "n_train": len(Xtr), "n_test": len(Xte)})


@bench_task("dbn", "quick", "digits-reference")
def dbn_digits(quiet: bool) -> BenchResult:
    from nnzoo.models.dbn import DBNClassifier

    Xtr, Xte, ytr, yte = reference_split()
    ours = DBNClassifier(hidden=(256, 256), pretrain_lr=0.05, pretrain_epochs=10,
                         pretrain_batch=32, lr=0.1, epochs=100, batch_size=32,
                         activation="relu", dropout=0.2, optimizer="sgd", momentum=0.0)
    peer = peer_pipeline((256, 256), lr=0.05, n_iter=10, batch=32, C=6000)
    return _compare(Xtr, ytr, Xte, yte, tier="quick", task="digits-reference", ours=ours,
                    peer=peer, budget="hidden [256, 256], RBM lr 0.05 x 10 epochs per layer, "
                    "batch 32; nnzoo then 100 epochs of SGD (lr 0.1), ReLU, dropout 0.2")


@bench_task("dbn", "full", "mnist")
def dbn_mnist(quiet: bool) -> BenchResult:
    from nnzoo.data import load_dataset
    from nnzoo.models.dbn import DBNClassifier
    from nnzoo.recipes import get_recipe

    s = load_dataset("mnist")
    flat = lambda t: t.reshape(len(t), -1).numpy().astype(np.float32)  # noqa: E731
    Xtr = np.concatenate([flat(s.train.X), flat(s.val.X)])
    ytr = np.concatenate([s.train.y.numpy(), s.val.y.numpy()])
    hp, cfg = get_recipe("dbn", "mnist").resolve()
    ours = DBNClassifier(
        hidden=hp["hidden"], activation=hp["activation"], dropout=hp["dropout"],
        pretrain_epochs=hp["pretrain_epochs"], pretrain_lr=hp["pretrain_lr"],
        pretrain_batch=hp["pretrain_batch"], k=hp["k"], persistent=hp["persistent"],
        epochs=cfg.epochs, batch_size=cfg.batch_size, lr=cfg.lr, optimizer=cfg.optimizer,
        momentum=cfg.momentum, scheduler=cfg.scheduler, device="auto")
    peer = peer_pipeline((500, 500), lr=0.05, n_iter=hp["pretrain_epochs"], batch=100, C=100)
    return _compare(Xtr, ytr, flat(s.test.X), s.test.y.numpy(), tier="full", task="mnist",
                    ours=ours, peer=peer,
                    budget=f"the dbn/mnist recipe: hidden {list(hp['hidden'])}, "
                    f"{hp['pretrain_epochs']} RBM epochs per layer, {cfg.epochs} epochs of SGD "
                    f"({cfg.scheduler} schedule, dropout {hp['dropout']}); "
                    "target <= 1.25 % test error")
