"""Benchmark of the deep belief network beside the same network built from scikit-learn.

The peer is the same model trained the same way, assembled from scikit-learn's parts
(:class:`SklearnDBN`): ``BernoulliRBM`` layers of the same widths stacked greedily (each
trained on the hidden probabilities of the one below, with the same learning rate, batch and
epochs, from nnzoo's initial weights ``N(0, 1 / D_in)``, its own being ``N(0, 0.01^2)``;
PCD-1, the only rule ``BernoulliRBM`` has, so nnzoo's RBMs run persistent CD-1 too),
then an ``MLPClassifier`` with logistic units whose hidden layers start from the RBMs'
weights and hidden biases (allocated by one ``partial_fit`` step, then every layer
overwritten: the hidden layers by the RBMs, the softmax layer by a fresh Glorot draw) and
fine-tuned with ``warm_start=True`` by the same SGD: learning rate, momentum (heavy ball, not
Nesterov), batch and epochs as nnzoo's fine-tuning, constant rate, no L2, no dropout.
nnzoo's side is ``DBNClassifier`` with the matching settings (sigmoid units, no dropout, no
schedule). Differences that remain, stated in each row: each side draws its own initial
weights (same distribution for the RBMs) and minibatch order (``BernoulliRBM`` visits fixed
minibatches, nnzoo reshuffles each epoch), and the scikit-learn side computes in float64
(nnzoo's float32); the softmax layer's initial weights come from different rules (PyTorch's
default uniform, scikit-learn's Glorot uniform).

- quick, ``digits-reference``: the data of the reference implementation's README
  (albertbup/deep-belief-network: digits / 16, ``train_test_split(test_size=0.2,
  random_state=0)``), hidden [256, 256], RBMs at learning rate 0.05 for 10 epochs per layer
  with batch 32, then 100 epochs of SGD at learning rate 0.1, batch 32, no momentum (the
  reference's fine-tuning rate, batch and epochs; it uses ReLU units and dropout 0.2, which
  scikit-learn's MLP cannot start from RBM weights with dropout, so both sides here use
  sigmoid units without dropout).
- full, ``mnist``: Hinton & Salakhutdinov's 784-500-500-2000 network on both sides, all
  60,000 training images, the 10,000 test images, RBMs at learning rate 0.05, batch 100,
  :data:`FULL_PRETRAIN_EPOCHS` epochs per layer, then :data:`FULL_FINETUNE_EPOCHS` epochs of
  SGD (learning rate 0.1, momentum 0.9, batch 100, constant rate). The ``dbn/mnist`` recipe
  pre-trains 10 epochs per layer and fine-tunes 100 epochs with dropout and a cosine
  schedule; both sides are cut here to fit about 20 minutes on one core together.

Quality: test accuracy; time: the whole fit of each side (pre-training + fine-tuning). Both
sides run single-threaded (torch, OpenBLAS and OpenMP pools limited to one thread).
"""

from __future__ import annotations

import warnings
from typing import Any, TypedDict

import numpy as np

from nnzoo.bench.arrays import flat, targets
from nnzoo.bench.runner import BenchResult, bench_task, one_thread, peer_run, timed

PEER = "scikit-learn BernoulliRBM stack + MLPClassifier initialised from it"
#: RBM epochs per layer on both sides of the full tier (the recipe uses 10).
FULL_PRETRAIN_EPOCHS = 4
#: Fine-tuning epochs on both sides of the full tier (the recipe uses 100).
FULL_FINETUNE_EPOCHS = 6


def reference_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The reference README's data: digits / 16, 80/20 split with ``random_state=0``."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=0)
    return Xtr, Xte, ytr, yte


class SklearnDBN:
    """A DBN made of scikit-learn parts (see the module docstring): greedily stacked
    ``BernoulliRBM`` layers, then an ``MLPClassifier`` (logistic units) started from their
    weights and fine-tuned by SGD.

    :param hidden: width of each hidden layer.
    :param pretrain_lr: the RBMs' learning rate.
    :param pretrain_epochs: RBM epochs per layer.
    :param pretrain_batch: the RBMs' minibatch size.
    :param lr: fine-tuning learning rate (constant).
    :param momentum: fine-tuning SGD momentum (heavy ball).
    :param epochs: fine-tuning epochs.
    :param batch_size: fine-tuning minibatch size.
    :param seed: seeds the RBMs, the softmax layer's draw and the MLP's shuffling.
    """

    def __init__(self, hidden: tuple[int, ...], pretrain_lr: float, pretrain_epochs: int,
                 pretrain_batch: int, lr: float, momentum: float, epochs: int,
                 batch_size: int, seed: int = 0) -> None:
        self.hidden = tuple(hidden)
        self.pretrain_lr = pretrain_lr
        self.pretrain_epochs = pretrain_epochs
        self.pretrain_batch = pretrain_batch
        self.lr = lr
        self.momentum = momentum
        self.epochs = epochs
        self.batch_size = batch_size
        self.seed = seed

    def fit(self, X: np.ndarray, y: np.ndarray) -> SklearnDBN:
        """Pre-train the RBMs on ``X``, then fine-tune the MLP on ``(X, y)``."""
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier

        self.rbms_ = []
        a = X
        for width in self.hidden:                              # greedy, layer by layer
            rbm = self._pretrain(a, width)
            self.rbms_.append(rbm)
            a = rbm.transform(a)                               # p(h = 1 | v)
        mlp = MLPClassifier(hidden_layer_sizes=self.hidden, activation="logistic",
                            solver="sgd", learning_rate="constant",
                            learning_rate_init=self.lr, momentum=self.momentum,
                            nesterovs_momentum=False, alpha=0.0, batch_size=self.batch_size,
                            max_iter=self.epochs, tol=0.0, n_iter_no_change=self.epochs + 1,
                            shuffle=True, random_state=self.seed, warm_start=True)
        classes = np.unique(y)
        one_each = [int(np.flatnonzero(y == c)[0]) for c in classes]
        with warnings.catch_warnings():                         # (a batch of 10 samples)
            warnings.simplefilter("ignore", UserWarning)
            mlp.partial_fit(X[one_each], y[one_each], classes=classes)  # allocates the layers
        for i, rbm in enumerate(self.rbms_):                   # hidden layers: the RBMs'
            mlp.coefs_[i][...] = rbm.components_.T
            mlp.intercepts_[i][...] = rbm.intercept_hidden_
        fan_in, fan_out = mlp.coefs_[-1].shape                 # softmax layer: a fresh draw
        bound = np.sqrt(2.0 / (fan_in + fan_out))              # scikit-learn's logistic rule
        rng = np.random.RandomState(self.seed)
        mlp.coefs_[-1][...] = rng.uniform(-bound, bound, (fan_in, fan_out))
        mlp.intercepts_[-1][...] = rng.uniform(-bound, bound, fan_out)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            mlp.fit(X, y)                                      # warm start: a new optimizer
        self.mlp_ = mlp
        return self

    def _pretrain(self, X: np.ndarray, width: int) -> Any:
        """One ``BernoulliRBM`` trained as its ``fit`` does (the same fixed minibatches,
        ``n_iter`` passes, PCD-1), but from nnzoo's initial weights ``N(0, 1 / D_in)``
        instead of its own ``N(0, 0.01^2)``: set before its ``partial_fit`` steps."""
        from sklearn.neural_network import BernoulliRBM
        from sklearn.utils import gen_even_slices

        n, d = X.shape
        rbm = BernoulliRBM(n_components=width, learning_rate=self.pretrain_lr,
                           n_iter=self.pretrain_epochs, batch_size=self.pretrain_batch,
                           random_state=self.seed)
        rng = np.random.RandomState(self.seed)
        rbm.random_state_ = rng
        rbm.components_ = rng.normal(0, 1 / np.sqrt(d), (width, d))
        rbm.intercept_hidden_ = np.zeros(width)
        rbm.intercept_visible_ = np.zeros(d)
        rbm.h_samples_ = np.zeros((self.pretrain_batch, width))
        rbm.n_features_in_ = d
        rbm._n_features_out = width
        n_batches = int(np.ceil(n / self.pretrain_batch))
        slices = list(gen_even_slices(n_batches * self.pretrain_batch, n_batches, n_samples=n))
        for _ in range(self.pretrain_epochs):
            for sl in slices:
                rbm.partial_fit(X[sl])
        return rbm

    def score(self, X: np.ndarray, y: np.ndarray) -> float:
        """Test accuracy of the fine-tuned network."""
        return float(self.mlp_.score(X, y))


def _compare(Xtr: np.ndarray, ytr: np.ndarray, Xte: np.ndarray, yte: np.ndarray, *, tier: str,
             task: str, hidden: tuple[int, ...], pretrain_lr: float, pretrain_epochs: int,
             pretrain_batch: int, lr: float, momentum: float, epochs: int, batch_size: int,
             budget: str, device: str = "cpu") -> BenchResult:
    from nnzoo.models.energy.dbn_estimator import DBNClassifier

    ours = DBNClassifier(hidden=hidden, activation="sigmoid", dropout=0.0,
                         pretrain_lr=pretrain_lr, pretrain_epochs=pretrain_epochs,
                         pretrain_batch=pretrain_batch, k=1, persistent=True, lr=lr,
                         epochs=epochs, batch_size=batch_size, optimizer="sgd",
                         momentum=momentum, scheduler="none", device=device)

    def peer_side() -> tuple[float, float]:
        peer = SklearnDBN(hidden, pretrain_lr, pretrain_epochs, pretrain_batch, lr, momentum,
                          epochs, batch_size)
        _, t = timed(lambda: peer.fit(Xtr, ytr))
        return peer.score(Xte, yte), t

    with one_thread():
        _, t_ours = timed(lambda: ours.fit(Xtr, ytr))
        acc_ours = float(ours.score(Xte, yte))
        run = peer_run(peer_side)
    acc_peer, t_peer = run.value if run.value else (None, None)
    return BenchResult(
        "dbn", tier, task, "accuracy", True, PEER, acc_ours, acc_peer, t_ours, t_peer,
        "whole fit (pre-training + fine-tuning)", budget,
        notes="the same network and training on both sides; the differences left: each side "
              "draws its own initial weights (same distribution for the RBMs) and batch order "
              "(BernoulliRBM: fixed minibatches), the softmax layer's initial rule differs, "
              "scikit-learn computes in float64",
        extra={"test_error_nnzoo": 1 - acc_ours,
               "test_error_peer": 1 - acc_peer if acc_peer is not None else None,
               "n_train": len(Xtr), "n_test": len(Xte)},
        status=run.status)


class Settings(TypedDict):
    """The settings both sides of a row share (the keyword arguments of :func:`_compare`)."""

    hidden: tuple[int, ...]
    pretrain_lr: float
    pretrain_epochs: int
    pretrain_batch: int
    lr: float
    momentum: float
    epochs: int
    batch_size: int


def _budget(hidden: tuple[int, ...], pretrain_lr: float, pretrain_epochs: int,
            pretrain_batch: int, lr: float, momentum: float, epochs: int, batch: int) -> str:
    return (f"both sides: hidden {list(hidden)}, PCD-1 RBMs (lr {pretrain_lr}, "
            f"{pretrain_epochs} epochs per layer, batch {pretrain_batch}), then {epochs} "
            f"epochs of SGD (lr {lr}, momentum {momentum}, batch {batch}, constant rate) on the "
            "sigmoid net started from the RBMs, no dropout, no L2; RBM weights start "
            "N(0, 1/fan-in) on both sides; scikit-learn computes in float64, nnzoo in "
            "float32; single-threaded")


@bench_task("dbn", "quick", "digits-reference")
def dbn_digits(quiet: bool) -> BenchResult:
    Xtr, Xte, ytr, yte = reference_split()
    hp: Settings = {"hidden": (256, 256), "pretrain_lr": 0.05, "pretrain_epochs": 10,
          "pretrain_batch": 32, "lr": 0.1, "momentum": 0.0, "epochs": 100, "batch_size": 32}
    return _compare(Xtr, ytr, Xte, yte, tier="quick", task="digits-reference", **hp,
                    budget="the reference README's split; " + _budget(
                        hp["hidden"], hp["pretrain_lr"], hp["pretrain_epochs"],
                        hp["pretrain_batch"], hp["lr"], hp["momentum"], hp["epochs"],
                        hp["batch_size"]))


def mnist_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All 60,000 MNIST training images (train + validation splits) and the 10,000 test
    images, flattened, in [0, 1]."""
    from nnzoo.data import load_dataset

    s = load_dataset("mnist")
    Xtr = np.concatenate([flat(s.train.X, np.float32), flat(s.val.X, np.float32)])
    ytr = np.concatenate([targets(s).numpy(), targets(s, "val").numpy()])
    return Xtr, ytr, flat(s.test.X, np.float32), targets(s, "test").numpy()


@bench_task("dbn", "full", "mnist")
def dbn_mnist(quiet: bool) -> BenchResult:
    Xtr, ytr, Xte, yte = mnist_arrays()
    hp: Settings = {"hidden": (500, 500, 2000), "pretrain_lr": 0.05,
          "pretrain_epochs": FULL_PRETRAIN_EPOCHS, "pretrain_batch": 100, "lr": 0.1,
          "momentum": 0.9, "epochs": FULL_FINETUNE_EPOCHS, "batch_size": 100}
    return _compare(Xtr, ytr, Xte, yte, tier="full", task="mnist", **hp,
                    budget="Hinton & Salakhutdinov's 784-500-500-2000 net; " + _budget(
                        hp["hidden"], hp["pretrain_lr"], hp["pretrain_epochs"],
                        hp["pretrain_batch"], hp["lr"], hp["momentum"], hp["epochs"],
                        hp["batch_size"])
                    + "; cut from the dbn/mnist recipe (10 RBM epochs, 100 fine-tuning "
                    "epochs with dropout and a cosine schedule) to fit ~20 minutes")
