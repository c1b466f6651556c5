"""Multiclass perceptron: Rosenblatt's error-correcting rule, and the averaged perceptron.

Paper: F. Rosenblatt, "The perceptron: a probabilistic model for information storage and
organization in the brain", Psychological Review 65(6), 1958.
https://doi.org/10.1037/h0042519

Averaged perceptron: Y. Freund, R. E. Schapire, "Large margin classification using the
perceptron algorithm", Machine Learning 37, 1999. https://doi.org/10.1023/A:1007662407062

The multiclass perceptron keeps one weight vector per class and predicts
``argmax_k w_k . x + b_k``. On a mistake (predicted p, true y) Rosenblatt's rule moves the
true class towards the sample and the predicted class away from it:

    w_y <- w_y + rate * x,    w_p <- w_p - rate * x.

With ``online = True`` (the default) the rule is applied exactly as Rosenblatt wrote it, one
sample at a time in the order seen, whatever the batch size: since the weights do not change
between two mistakes, a window of upcoming samples is scored at once with the current
weights, everything before the window's first mistake is correct as scored, the weights are
corrected at that mistake and scoring resumes after it. The cost is one matrix product per
mistake instead of one step per sample, with the same result as the loop. With
``online = False`` the corrections of every mistake in a batch are computed with the same
weights and summed (the minibatch perceptron).

The windowed torch code above is the readable reference. On the CPU the online rule runs by
default (``kernel = "auto"``) as the plain sample-by-sample loop compiled by Numba
(:func:`_online_loop`): on small problems the few microseconds of dispatch of each torch op
cost more than the arithmetic, and a NumPy version of the windows is still several small calls
per mistake. Both give the same weights up to float32 rounding (``tests/test_models.py``).

The averaged perceptron predicts with the mean of the weights after every sample seen, which
approximates the voted perceptron and generalises much better than the last iterate.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F

from nnzoo.core import plots
from nnzoo.core.config import require
from nnzoo.core.errors import InputError
from nnzoo.models.base import Batch, Classifier, first_layer_images
from nnzoo.models.registry import register


@dataclass
class PerceptronConfig:
    """Hyperparameters of :class:`Perceptron`.

    :param sample_shape: shape of one input sample (flattened on entry).
    :param n_classes: number of classes (2 or more).
    :param averaged: predict with the averaged weights (Freund & Schapire 1999).
    :param online: Rosenblatt's sample-by-sample rule (exact at any batch size); False for
        the minibatch rule.
    :param rate: size of each correction (irrelevant from a zero start, kept for study).
    :param kernel: how the online rule runs: ``auto`` (the Numba loop on the CPU, the torch
        windows on other devices) or ``torch`` (the torch windows everywhere).
    """

    sample_shape: tuple[int, ...] = (1, 8, 8)
    n_classes: int = 10
    averaged: bool = True
    online: bool = True
    rate: float = 1.0
    kernel: Literal["auto", "torch"] = "auto"

    def __post_init__(self) -> None:
        require(all(s >= 1 for s in self.sample_shape),
                f"sample_shape must be positive sizes, got {self.sample_shape}")
        require(self.n_classes >= 2, f"n_classes must be >= 2, got {self.n_classes}")
        require(self.rate > 0, f"rate must be > 0, got {self.rate}")
        require(self.kernel in ("auto", "torch"),
                f"kernel must be 'auto' or 'torch', got {self.kernel!r}")


@register("perceptron", config=PerceptronConfig, rule="Rosenblatt's error-correcting rule",
          peer="scikit-learn Perceptron",
          reference="https://scikit-learn.org/stable/modules/linear_model.html#perceptron")
class Perceptron(Classifier[PerceptronConfig]):
    """Multiclass (averaged) perceptron trained by Rosenblatt's rule.

    The weights are buffers, not parameters: no gradient is involved.

    :param config: a :class:`PerceptronConfig`.
    """

    automatic_optimization = False
    WINDOW = 64  # samples scored at once by the online rule

    weight: torch.Tensor       # (K, D)
    bias: torch.Tensor         # (K,)
    weight_sum: torch.Tensor   # (K, D)
    bias_sum: torch.Tensor     # (K,)
    seen: torch.Tensor         # () float64, samples seen

    def __init__(self, config: PerceptronConfig) -> None:
        super().__init__(config)
        d, k = math.prod(config.sample_shape), config.n_classes
        self.register_buffer("weight", torch.zeros(k, d))       # (K, D)
        self.register_buffer("bias", torch.zeros(k))            # (K,)
        self.register_buffer("weight_sum", torch.zeros(k, d))   # sum of weights after each sample
        self.register_buffer("bias_sum", torch.zeros(k))
        self.register_buffer("seen", torch.zeros((), dtype=torch.float64))

    def scores(self, x: torch.Tensor, averaged: bool) -> torch.Tensor:
        x = x.flatten(1)
        if averaged and self.seen > 0:
            w = self.weight_sum / self.seen.float()
            b = self.bias_sum / self.seen.float()
        else:
            w, b = self.weight, self.bias
        return x @ w.T + b  # (B, K)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check(x)
        return self.scores(x, self.config.averaged and not self.training)

    @torch.no_grad()
    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x, y = batch
        self.check(x)
        if y is None:
            raise InputError("perceptron is a classifier and needs labels; the batch has none")
        x = x.flatten(1)                                    # (B, D)
        crit, wrong = self._online(x, y) if self.config.online else self._minibatch(x, y)
        self.seen += x.shape[0]
        return {"loss": crit.mean(), "accuracy": 1 - wrong.float().mean()}

    @staticmethod
    def _criterion(s: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The perceptron criterion max_k s_k - s_y: >= 0, zero when the sample is right."""
        return s.max(1).values - s.gather(1, y[:, None]).squeeze(1)

    def _online(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Rosenblatt's rule sample by sample: the compiled loop on the CPU, else the windows."""
        if self.config.kernel == "auto" and x.device.type == "cpu":
            return self._online_compiled(x, y)
        return self._online_torch(x, y)

    def _online_compiled(self, x: torch.Tensor, y: torch.Tensor
                         ) -> tuple[torch.Tensor, torch.Tensor]:
        """:func:`_online_loop` on NumPy views of the batch and of the weight buffers."""
        x = x.to(self.weight.dtype).contiguous()        # the rule computes in the weights' dtype
        y = y.contiguous()
        crit = torch.empty(x.shape[0], dtype=x.dtype)
        wrong = torch.zeros(x.shape[0], dtype=torch.bool)
        w = self.weight.numpy()
        _compiled_online_loop()(x.numpy(), y.numpy(), w, self.bias.numpy(),
                                self.weight_sum.numpy(), self.bias_sum.numpy(),
                                w.dtype.type(self.config.rate), crit.numpy(), wrong.numpy())
        return crit, wrong

    def _online_torch(self, x: torch.Tensor, y: torch.Tensor
                      ) -> tuple[torch.Tensor, torch.Tensor]:
        """Rosenblatt's rule sample by sample in windows of torch ops (the module docstring)."""
        n, rate = x.shape[0], self.config.rate
        crit = torch.empty(n, dtype=x.dtype, device=x.device)
        wrong = torch.zeros(n, dtype=torch.bool, device=x.device)
        i = 0
        while i < n:
            xs, ys = x[i : i + self.WINDOW], y[i : i + self.WINDOW]
            s = xs @ self.weight.T + self.bias              # (w, K) with the current weights
            pred = s.argmax(1)
            miss = (pred != ys).nonzero()
            j = int(miss[0]) if len(miss) else len(xs)      # first mistake in the window
            m = min(j + 1, len(xs))                         # samples settled by this window
            crit[i : i + m] = self._criterion(s[:m], ys[:m])
            self.weight_sum += j * self.weight               # j right answers: W unchanged
            self.bias_sum += j * self.bias
            if j < len(xs):                                 # a mistake: w_y += x, w_p -= x
                t, p = int(ys[j]), int(pred[j])
                self.weight[t] += rate * xs[j]
                self.weight[p] -= rate * xs[j]
                self.bias[t] += rate
                self.bias[p] -= rate
                self.weight_sum += self.weight
                self.bias_sum += self.bias
                wrong[i + j] = True
            i += m
        return crit, wrong

    def _minibatch(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Every mistake of the batch corrected with the same weights, corrections summed."""
        s = x @ self.weight.T + self.bias                   # (B, K)
        pred = s.argmax(1)
        wrong = pred != y                                   # (B,)
        k = self.config.n_classes
        # d[i] = onehot(y_i) - onehot(p_i) on mistakes: +x to the true class, -x to the guess
        d = (F.one_hot(y, k) - F.one_hot(pred, k)).to(x.dtype) * wrong[:, None]  # (B, K)
        self.weight += self.config.rate * d.T @ x
        self.bias += self.config.rate * d.sum(0)
        self.weight_sum += x.shape[0] * self.weight
        self.bias_sum += x.shape[0] * self.bias
        return self._criterion(s, y), wrong

    @torch.no_grad()
    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x, y = batch
        if y is None:
            raise InputError("perceptron is a classifier and needs labels; the batch has none")
        s = self(x)
        return {"loss": self._criterion(s, y).mean(),
                "accuracy": (s.argmax(1) == y).float().mean()}

    def visualize(self, out_dir: Path) -> list[Path]:
        w = self.weight_sum / self.seen.float() if self.seen > 0 else self.weight
        imgs = first_layer_images(w, self.sample_shape)
        if imgs is None:
            return []
        return [plots.image_grid(imgs, out_dir / "class_weights.png",
                                 "weights of each class (red +, blue -)")]


def _online_loop(x: np.ndarray, y: np.ndarray, w: np.ndarray, b: np.ndarray,
                 w_sum: np.ndarray, b_sum: np.ndarray, rate: Any, crit: np.ndarray,
                 wrong: np.ndarray) -> None:
    """Rosenblatt's multiclass rule over the rows of ``x`` (n, D) in order, in place.

    For each sample: scores s = w x + b, prediction p = argmax s (the first of ties, as
    ``torch.argmax``), ``crit[i] = s_p - s_y``; on a mistake w_y += rate x, w_p -= rate x
    (biases by rate). ``w_sum``, ``b_sum`` gain the weights after every sample: since the
    weights do not change between mistakes, the ``pending`` right answers since the last
    mistake are added at once, at the next mistake or at the end of the batch.
    """
    n, d = x.shape
    k = w.shape[0]
    s = np.empty(k, dtype=w.dtype)
    pending = 0
    for i in range(n):
        t = y[i]
        p = 0
        for c in range(k):
            acc = b[c]
            for f in range(d):
                acc += w[c, f] * x[i, f]
            s[c] = acc
            if acc > s[p]:
                p = c
        crit[i] = s[p] - s[t]
        if p == t:
            pending += 1
            continue
        wrong[i] = True
        for c in range(k):                         # the right answers before this mistake
            b_sum[c] += pending * b[c]
            for f in range(d):
                w_sum[c, f] += pending * w[c, f]
        pending = 0
        b[t] += rate
        b[p] -= rate
        for f in range(d):
            w[t, f] += rate * x[i, f]
            w[p, f] -= rate * x[i, f]
        for c in range(k):                         # the weights after this sample
            b_sum[c] += b[c]
            for f in range(d):
                w_sum[c, f] += w[c, f]
    for c in range(k):
        b_sum[c] += pending * b[c]
        for f in range(d):
            w_sum[c, f] += pending * w[c, f]


@functools.cache
def _compiled_online_loop() -> Callable[..., None]:
    """:func:`_online_loop` compiled by Numba (once per process, on first use, so that importing
    nnzoo neither imports Numba nor compiles; nothing is cached on disk)."""
    import numba

    return numba.njit(nogil=True, fastmath={"reassoc", "contract"})(_online_loop)
