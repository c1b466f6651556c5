"""Deep belief network: greedy layer-wise RBM pre-training, then fine-tuning by backprop.

Paper: G. E. Hinton, S. Osindero, Y.-W. Teh, "A fast learning algorithm for deep belief nets",
Neural Computation 18(7), 2006, https://doi.org/10.1162/neco.2006.18.7.1527. Fine-tuning the
pre-trained stack as a feed-forward classifier by backprop: G. E. Hinton, R. R. Salakhutdinov,
"Reducing the dimensionality of data with neural networks", Science 313, 2006.

Reference implementation: albertbup/deep-belief-network
(https://github.com/albertbup/deep-belief-network), ``SupervisedDBNClassification``: a stack
of Bernoulli RBMs trained greedily by CD, unrolled into a network (sigmoid or ReLU units,
dropout) with a softmax output layer and fine-tuned by SGD.

The math. A DBN with hidden layers ``h^1 .. h^L`` over visible units ``v = h^0`` is a
directed sigmoid belief net ``p(h^{l-1} | h^l)`` for the lower layers under an undirected top
RBM ``p(h^{L-1}, h^L)``. Greedy learning (Hinton et al. 2006, section 4):

- layer ``l`` is an :class:`~nnzoo.models.energy.rbm.RBM` with weights ``W_l`` (H_l, H_{l-1}),
  trained by CD-k / PCD-k for ``pretrain_epochs`` on the hidden probabilities of the layer
  below, ``x^l = sigmoid(c_l + W_l x^{l-1})`` with ``x^0 = v``: each added layer improves a
  variational lower bound on ``log p(v)``;
- fine-tuning (the discriminative variant): the recognition weights become a feed-forward
  net ``a^l = act(c_l + W_l a^{l-1})`` (``act`` = sigmoid as the paper, or ReLU as the
  reference) with a softmax output ``p(y | v) = softmax(U a^L + d)`` initialised at random,
  and every weight is trained by backprop on the cross-entropy ``-log p(y | v)``;
- generation (section 2): run block Gibbs sampling in the top RBM ``h^{L-1} <-> h^L``, then
  one deterministic downward pass through the lower layers' generative weights,
  ``x^{l-1} = sigmoid(b_l + W_l^T x^l)`` (the lower RBMs' visible probabilities), down to
  the pixels. The generative weights are the pre-trained RBMs' (no up-down fine-tuning).

When pre-training happens. The model learns iteratively (the engine steps the optimizer of
the fine-tuning net); the engine and the scikit-learn wrapper call :meth:`DBN.on_fit_start`
with the whole training split before the first step, and that is when the RBMs are
pre-trained greedily. A caller that drives ``training_step`` itself may declare the set with
:func:`pretraining_set`, or else the first step pre-trains on its own batch. A buffer flag
``pretrained`` records that it happened, so a checkpoint taken afterwards resumes into
fine-tuning. :meth:`DBN.pretrain` can also be called directly on a data set.

The scikit-learn classifier is in :mod:`~nnzoo.models.energy.dbn_estimator`.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
from torch import nn

from nnzoo.core import plots
from nnzoo.core.config import require
from nnzoo.core.device import small_work_threads
from nnzoo.core.errors import NotFittedError
from nnzoo.core.loop import batch_slices, epoch_order
from nnzoo.models.base import Batch, Classifier
from nnzoo.models.energy.rbm import RBM, RBMConfig
from nnzoo.models.energy.units import check_unit_interval
from nnzoo.models.registry import register

#: The data set the first training step pre-trains on (see :func:`pretraining_set`).
_PRETRAIN_SET: contextvars.ContextVar[tuple[torch.Tensor, int] | None] = \
    contextvars.ContextVar("dbn_pretrain_set", default=None)


@contextlib.contextmanager
def pretraining_set(X: torch.Tensor, seed: int = 0) -> Iterator[None]:
    """Within this block, a DBN not yet pre-trained pre-trains on ``X`` (the whole training
    set, minibatch order fixed by ``seed``) at its first training step instead of on that
    step's batch."""
    token = _PRETRAIN_SET.set((X, seed))
    try:
        yield
    finally:
        _PRETRAIN_SET.reset(token)


@dataclass
class DBNConfig:
    """Hyperparameters of :class:`DBN`.

    :param sample_shape: shape of one input sample, values in [0, 1] (flattened on entry).
    :param n_classes: number of classes K.
    :param hidden: width of each hidden layer (one RBM per layer).
    :param activation: unit of the fine-tuned net: ``sigmoid`` (Hinton et al. 2006, the
        RBMs' own units) or ``relu`` (the reference implementation's choice).
    :param dropout: dropout after each hidden layer during fine-tuning.
    :param pretrain_epochs: passes over the pre-training set per RBM layer (0: no
        pre-training; the net starts from the RBMs' small random initial weights).
    :param pretrain_lr: the RBMs' learning rate.
    :param pretrain_batch: the RBMs' minibatch size (also the number of persistent chains).
    :param k: Gibbs steps per RBM update (CD-k / PCD-k).
    :param persistent: persistent CD (Tieleman 2008) instead of CD-k.
    :param pretrain_momentum: momentum of the RBM updates.
    :param gibbs_steps: Gibbs steps in the top RBM when sampling.
    :param init_scale: the RBM weights start N(0, init_scale^2 / D_in) (the reference's
        1 / sqrt(fan-in); scikit-learn's 0.01 barely moves in a few hundred CD updates).
    """

    sample_shape: tuple[int, ...] = (1, 8, 8)
    n_classes: int = 10
    hidden: tuple[int, ...] = (256, 256)
    activation: Literal["sigmoid", "relu"] = "sigmoid"
    dropout: float = 0.0
    pretrain_epochs: int = 10
    pretrain_lr: float = 0.05
    pretrain_batch: int = 32
    k: int = 1
    persistent: bool = False
    pretrain_momentum: float = 0.0
    gibbs_steps: int = 1000
    init_scale: float = 1.0

    def __post_init__(self) -> None:
        require(isinstance(self.sample_shape, tuple) and len(self.sample_shape) >= 1
                and all(isinstance(s, int) and s >= 1 for s in self.sample_shape),
                f"sample_shape must be positive sizes, got {self.sample_shape!r}")
        require(self.n_classes >= 2, f"n_classes must be >= 2, got {self.n_classes}")
        require(isinstance(self.hidden, tuple) and len(self.hidden) >= 1,
                f"hidden must list at least one layer width, got {self.hidden!r}")
        require(all(isinstance(h, int) and h >= 1 for h in self.hidden),
                f"every layer width in hidden must be >= 1, got {self.hidden!r}")
        require(self.activation in ("sigmoid", "relu"),
                f"activation must be sigmoid or relu, got {self.activation!r}")
        require(0 <= self.dropout < 1, f"dropout must be in [0, 1), got {self.dropout}")
        require(self.pretrain_epochs >= 0,
                f"pretrain_epochs must be >= 0, got {self.pretrain_epochs}")
        require(self.pretrain_lr > 0, f"pretrain_lr must be > 0, got {self.pretrain_lr}")
        require(self.pretrain_batch >= 1,
                f"pretrain_batch must be >= 1, got {self.pretrain_batch}")
        require(self.k >= 1, f"k must be >= 1, got {self.k}")
        require(0 <= self.pretrain_momentum < 1,
                f"pretrain_momentum must be in [0, 1), got {self.pretrain_momentum}")
        require(self.gibbs_steps >= 1, f"gibbs_steps must be >= 1, got {self.gibbs_steps}")
        require(self.init_scale > 0, f"init_scale must be > 0, got {self.init_scale}")


@register("dbn", config=DBNConfig,
          rule="greedy layer-wise RBM pre-training (CD-k / PCD-k), then backprop",
          peer="scikit-learn Pipeline(BernoulliRBM, BernoulliRBM, LogisticRegression)",
          reference="https://github.com/albertbup/deep-belief-network")
class DBN(Classifier[DBNConfig]):
    """Deep belief network classifier and generator (Hinton, Osindero & Teh 2006).

    ``forward(x)`` returns the fine-tuned net's class scores (B, K); :meth:`sample` draws
    from the generative model (the pre-trained RBM stack).

    :param config: a :class:`DBNConfig`.
    """

    pretrained: torch.Tensor                                           # buffer

    def __init__(self, config: DBNConfig) -> None:
        super().__init__(config)
        widths = (math.prod(config.sample_shape), *config.hidden)
        self.rbms = nn.ModuleList(                                     # the generative stack
            RBM(RBMConfig(sample_shape=(d,), n_hidden=h, k=config.k,
                          persistent=config.persistent, n_chains=config.pretrain_batch,
                          learning_rate=config.pretrain_lr,
                          momentum_coef=config.pretrain_momentum,
                          init_std=config.init_scale / math.sqrt(d)))
            for d, h in zip(widths[:-1], widths[1:]))
        self.layers = nn.ModuleList(                                   # the recognition net
            nn.Linear(d, h) for d, h in zip(widths[:-1], widths[1:]))
        self.out = nn.Linear(widths[-1], config.n_classes)             # softmax layer U, d
        self.act = nn.Sigmoid() if config.activation == "sigmoid" else nn.ReLU()
        self.drop = nn.Dropout(config.dropout)
        self.register_buffer("pretrained", torch.zeros((), dtype=torch.bool))

    @property
    def stack(self) -> list[RBM]:
        """The RBMs of :attr:`rbms`, bottom first."""
        return [rbm for rbm in self.rbms if isinstance(rbm, RBM)]

    @property
    def recognition(self) -> list[nn.Linear]:
        """The fine-tuned net's hidden layers of :attr:`layers`, bottom first."""
        return [lin for lin in self.layers if isinstance(lin, nn.Linear)]

    # -- greedy layer-wise pre-training -----------------------------------------------------

    @torch.no_grad()
    def pretrain(self, X: torch.Tensor, seed: int = 0) -> list[list[float]]:
        """Train each RBM for ``pretrain_epochs`` on the hidden probabilities of the layer
        below (shuffled minibatches, order fixed by ``seed``), then copy the recognition
        weights into the fine-tuning net.

        :param X: the pre-training set (N, *sample_shape), values in [0, 1].
        :param seed: fixes the minibatch order of every epoch of every layer.
        :returns: each layer's mean reconstruction error ``|x - p(x | p(h | x))|^2`` after
            each epoch (L lists of ``pretrain_epochs`` values).
        """
        cfg = self.config
        x = self.check(X, finite=True).flatten(1)                       # x^0 = v   (N, D)
        check_unit_interval(x, "dbn input")
        slices = batch_slices(len(x), cfg.pretrain_batch, 1)
        errors: list[list[float]] = []
        for li, (rbm, lin) in enumerate(zip(self.stack, self.recognition)):
            work = cfg.pretrain_batch * rbm.n_visible * rbm.config.n_hidden
            curve = []
            with small_work_threads(work if x.device.type == "cpu" else 1 << 30):
                for epoch in range(cfg.pretrain_epochs):
                    order = epoch_order(len(x), seed, li * cfg.pretrain_epochs + epoch, x.device)
                    rbm.run_epoch(x[order], slices)                     # CD-k / PCD-k updates
                    curve.append(float((x - rbm.reconstruct(x)).pow(2).mean()))
                lin.weight.copy_(rbm.weight)                            # W_l   (H_l, H_{l-1})
                lin.bias.copy_(rbm.hbias)                               # c_l
                x = rbm.hidden_probs(x)                                 # x^l = sigmoid(c + W x)
            errors.append(curve)
        self.pretrained.fill_(True)
        return errors

    def on_fit_start(self, X: torch.Tensor, seed: int = 0) -> None:
        """Pre-train on the whole training split ``X`` unless already done (for an engine
        that calls this hook once before the first training step)."""
        if not bool(self.pretrained):
            self.pretrain(X, seed)

    # -- the recognition net ----------------------------------------------------------------

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores (B, K) of the fine-tuned net: a^l = act(c_l + W_l a^{l-1})."""
        a = self.check(x).flatten(1)                                     # (B, D)
        for lin in self.layers:
            a = self.drop(self.act(lin(a)))                              # (B, H_l)
        return self.out(a)                                               # U a^L + d  (B, K)

    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Pre-train first (once; see the module docstring), then one backprop step on the
        cross-entropy; the engine steps the optimizer."""
        x, _ = batch
        self.check(x, finite=True)
        check_unit_interval(x, "dbn input")
        if not bool(self.pretrained):
            declared = _PRETRAIN_SET.get()
            if declared is None:
                self.pretrain(x)
            else:
                self.pretrain(declared[0].to(x.device), seed=declared[1])
        return super().training_step(batch)

    def require_fitted(self) -> None:
        if not bool(self.pretrained):
            raise NotFittedError("this dbn has not been trained yet; train it before "
                                 "predicting or sampling")

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Class index of each sample (checked: shape, dtype, finite values in [0, 1])."""
        self.check(x, finite=True)
        check_unit_interval(x, "dbn input")
        self.require_fitted()
        return self(x).argmax(1)

    # -- generation -------------------------------------------------------------------------

    @torch.no_grad()
    def downward(self, top: torch.Tensor) -> torch.Tensor:
        """Deterministic top-down pass from the top RBM's visible layer ``x^{L-1}`` (B, H_{L-1})
        to the pixels: x^{l-1} = sigmoid(b_l + W_l^T x^l) through the lower RBMs."""
        x = top
        for rbm in reversed(self.stack[:-1]):
            x = rbm.visible_mean(x)                                      # (B, H_{l-1})
        return x.reshape(-1, *self.sample_shape)

    @torch.no_grad()
    def sample(self, n: int, steps: int | None = None) -> torch.Tensor:
        """``n`` samples (n, *sample_shape): ``steps`` (default ``gibbs_steps``) of block Gibbs
        sampling in the top RBM from random states, then :meth:`downward`."""
        self.require_fitted()
        require(n >= 1, f"n must be >= 1, got {n}")
        top = self.stack[-1]                                 # untrained with 0 epochs: raises
        v = top.sample(n, steps or self.config.gibbs_steps).flatten(1)  # p(x^{L-1} | h^L)
        return self.downward(v)

    # -- pictures ---------------------------------------------------------------------------

    def visualize(self, out_dir: Path) -> list[Path]:
        """Each layer's filters in pixel space (the product of the RBM weights up to that
        layer, the linear view of what a unit responds to) and generated samples."""
        shape = self.stack[0]._image_shape()                 # (H, W), or square when flat
        if shape is None:
            return []
        out = []
        proj = self.stack[0].weight
        for li, rbm in enumerate(self.stack):
            if li:
                proj = rbm.weight @ proj                                     # (H_l, D)
            title = f"DBN layer {li + 1} filters: W_{li + 1}" + "".join(
                f" W_{j}" for j in range(li, 0, -1)) + " (red +, blue -)"
            out.append(plots.image_grid(proj[:100].float().cpu().reshape(-1, *shape),
                                        out_dir / f"filters_layer{li + 1}.png", title))
        if bool(self.pretrained):
            s = self.sample(64).float().cpu().reshape(-1, *shape)
            out.append(plots.image_grid(s, out_dir / "samples.png",
                                        "DBN samples (Gibbs in the top RBM, then down)",
                                        cmap="gray"))
        return out


__all__ = ["DBN", "DBNConfig", "pretraining_set"]
