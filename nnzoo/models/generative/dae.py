"""Denoising autoencoder, and stacked denoising autoencoders as a pre-trained classifier.

Paper: P. Vincent, H. Larochelle, Y. Bengio, P.-A. Manzagol, "Extracting and composing
robust features with denoising autoencoders", ICML 2008,
https://doi.org/10.1145/1390156.1390294. The stacked form and the three kinds of noise:
P. Vincent, H. Larochelle, I. Lajoie, Y. Bengio, P.-A. Manzagol, "Stacked denoising
autoencoders: learning useful representations in a deep network with a local denoising
criterion", JMLR 11, 2010, https://www.jmlr.org/papers/v11/vincent10a.html.

Reference implementation: the LISA lab Deep Learning Tutorials, ``dA.py`` and ``SdA.py``
(https://github.com/lisa-lab/DeepLearningTutorials): sigmoid units, tied weights, masking
noise, cross-entropy reconstruction, greedy layer-wise pre-training, then a logistic
regression layer on top and supervised fine-tuning of the whole stack.

The math. Training corrupts the input, ``x~ ~ q(x~ | x)``, and reconstructs the clean ``x``
from it: the loss is ``-log p(x | g(f(x~)))`` (Bernoulli cross-entropy or Gaussian squared
error, :mod:`~nnzoo.models.generative.autoencoder`). The corruptions of Vincent et al. 2010,
section 3.3, each with a level ``nu`` in [0, 1):

- masking: each value forced to 0 with probability ``nu``;
- salt-and-pepper: each value, with probability ``nu``, set to 0 or 1 by a fair coin;
- Gaussian: ``x~ = x + nu * N(0, I)``.

Evaluation and :meth:`DAE.predict` use the clean input.

Stacked (``stacked=True``; Vincent et al. 2010, section 3.5 and figure 3). The encoder's
sigmoid layers ``h^l = s(W_l h^{l-1} + c_l)``, ``h^0 = x``, widths ``(*hidden, latent)``,
are pre-trained greedily, bottom first: layer ``l`` is a denoising autoencoder with tied
weights, ``h~ = q(. | h^{l-1})``, ``y = s(W_l h~ + c_l)``, reconstruction parameters
``a = W_l^T y + b'_l``, trained on ``-log p(h^{l-1} | a)`` (the model's ``loss`` at the first
layer, Bernoulli cross-entropy above it, where the targets are sigmoid units) for
``pretrain_epochs`` epochs by Adam, while the layers below it are frozen and only compute
its clean input ``h^{l-1}``. Then a softmax layer ``p(y | x) = softmax(U h^L + d)`` goes on
top and the whole stack is fine-tuned by backprop on the cross-entropy with clean inputs
(the engine steps the recipe's optimizer). :meth:`DAE.on_fit_start` pre-trains on the
whole training split before the first fine-tuning step (the DBN's pattern,
:mod:`~nnzoo.models.energy.dbn`); a caller that drives ``training_step`` itself pre-trains
on its first batch. A buffer ``pretrained`` records that it happened, so a checkpoint
resumes into fine-tuning. In stacked mode ``forward`` returns class scores and
:meth:`DAE.predict` classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from nnzoo.core.config import require
from nnzoo.core.errors import InputError, NotFittedError
from nnzoo.core.loop import batch_slices, epoch_order
from nnzoo.models.base import Batch
from nnzoo.models.generative.autoencoder import (
    Autoencoder,
    AutoencoderConfig,
    Corruption,
    corrupt,
    reconstruction_loss,
)
from nnzoo.models.registry import register


@dataclass
class DAEConfig(AutoencoderConfig):
    """Hyperparameters of :class:`DAE` (those of
    :class:`~nnzoo.models.generative.autoencoder.AutoencoderConfig`, and):

    :param corruption: ``masking``, ``gaussian`` or ``salt-pepper``.
    :param noise: the corruption level ``nu`` in [0, 1): the probability of masking or of
        salt-and-pepper, or the Gaussian noise's deviation.
    :param stacked: a stacked denoising autoencoder (greedy pre-training of the encoder's
        layers, then a softmax layer and supervised fine-tuning); ``arch="mlp"`` with sigmoid
        units.
    :param n_classes: classes of the fine-tuned classifier (stacked; set from the data).
    :param pretrain_epochs: epochs of pre-training per layer (stacked; 0: none, the net starts
        from its random initial weights).
    :param pretrain_lr: Adam's learning rate in pre-training.
    :param pretrain_batch: minibatch size in pre-training.
    """

    latent: int = 64
    activation: Literal["relu", "sigmoid", "tanh", "linear"] = "sigmoid"
    code_activation: Literal["relu", "sigmoid", "tanh", "linear"] = "sigmoid"
    corruption: Corruption = "masking"
    noise: float = 0.25
    stacked: bool = False
    n_classes: int = 10
    pretrain_epochs: int = 10
    pretrain_lr: float = 1e-3
    pretrain_batch: int = 32

    def __post_init__(self) -> None:
        super().__post_init__()
        require(self.corruption in ("masking", "gaussian", "salt-pepper"),
                f"corruption must be masking, gaussian or salt-pepper, got {self.corruption!r}")
        require(0 <= self.noise < 1,
                f"noise (the corruption level) must be in [0, 1), got {self.noise}")
        require(self.pretrain_epochs >= 0,
                f"pretrain_epochs must be >= 0, got {self.pretrain_epochs}")
        require(self.pretrain_lr > 0, f"pretrain_lr must be > 0, got {self.pretrain_lr}")
        require(self.pretrain_batch >= 1,
                f"pretrain_batch must be >= 1, got {self.pretrain_batch}")
        if self.stacked:
            require(self.n_classes >= 2, f"n_classes must be >= 2, got {self.n_classes}")
            require(self.arch == "mlp", "stacked denoising autoencoders are fully connected: "
                    f"stacked=True needs arch='mlp', got {self.arch!r}")
            require(self.activation == "sigmoid" and self.code_activation == "sigmoid",
                    "stacked=True needs sigmoid units (activation and code_activation), as "
                    "each upper layer reconstructs sigmoid activations by cross-entropy")


class LayerDecoders(nn.Module):
    """The reconstruction biases ``b'_l`` of each layer's tied-weight decoder (stacked)."""

    def __init__(self, widths: tuple[int, ...]) -> None:
        super().__init__()
        self.biases = nn.ParameterList(nn.Parameter(torch.zeros(d)) for d in widths[:-1])


@register("dae", config=DAEConfig,
          rule="backprop on the reconstruction of corrupted inputs; stacked: greedy "
               "layer-wise pre-training, then supervised fine-tuning",
          peer="the plain autoencoder (ae) of the same layers (baseline); stacked: nnzoo's "
               "MLP of the same layers without pre-training",
          reference="https://github.com/lisa-lab/DeepLearningTutorials")
class DAE(Autoencoder[DAEConfig]):
    """Denoising autoencoder (Vincent et al. 2008) with masking, Gaussian or salt-and-pepper
    noise; with ``stacked=True`` a stacked denoising autoencoder classifier (2010).

    :param config: a :class:`DAEConfig`.
    """

    pretrained: torch.Tensor                                               # buffer

    def __init__(self, config: DAEConfig) -> None:
        super().__init__(config)
        self.head = nn.Linear(config.latent, config.n_classes) if config.stacked else None
        self.register_buffer("pretrained", torch.zeros((), dtype=torch.bool))

    @property
    def widths(self) -> tuple[int, ...]:
        """The encoder's widths ``(D, *hidden, latent)``."""
        return (self.config.n_inputs, *self.config.hidden, self.config.latent)

    def build_decoder(self, config: DAEConfig) -> nn.Module:
        if config.stacked:
            return LayerDecoders((config.n_inputs, *config.hidden, config.latent))
        return super().build_decoder(config)

    def corrupt(self, x: torch.Tensor) -> torch.Tensor:
        """``x~ ~ q(x~ | x)``: the configured corruption at level ``noise``."""
        return corrupt(x, self.config.corruption, self.config.noise)

    @property
    def layers(self) -> list[nn.Linear]:
        """The encoder's dense layers, bottom first."""
        return [lin for lin in self.encoder.dense.layers if isinstance(lin, nn.Linear)]

    # -- greedy layer-wise pre-training (stacked) ------------------------------------------

    def pretrain_layer(self, layer: int, X: torch.Tensor, seed: int = 0) -> list[float]:
        """Train layer ``layer`` (0 = bottom) as a tied-weight denoising autoencoder of the
        clean output of the frozen layers below it, for ``pretrain_epochs`` epochs of Adam.

        :param layer: which layer.
        :param X: the pre-training inputs (N, *sample_shape).
        :param seed: fixes the minibatch order.
        :returns: the mean reconstruction loss of each epoch.
        :raises InputError: for a layer that does not exist.
        """
        cfg, layers = self.config, self.layers
        if not 0 <= layer < len(layers):
            raise InputError(f"layer must be in [0, {len(layers)}), got {layer}")
        assert isinstance(self.decoder, LayerDecoders)
        with torch.no_grad():
            h = X.flatten(1)
            for lin in layers[:layer]:                          # frozen: the clean h^{l-1}
                h = torch.sigmoid(lin(h))
        lin, b = layers[layer], self.decoder.biases[layer]
        opt = torch.optim.Adam([lin.weight, lin.bias, b], lr=cfg.pretrain_lr)
        kind = cfg.loss if layer == 0 else "bernoulli"
        slices = batch_slices(len(h), cfg.pretrain_batch)
        curve = []
        for epoch in range(cfg.pretrain_epochs):
            order = epoch_order(len(h), seed, layer * cfg.pretrain_epochs + epoch, h.device)
            total = 0.0
            for sl in slices:
                x = h[order[sl]]
                y = torch.sigmoid(lin(self.corrupt(x)))            # s(W h~ + c)
                a = F.linear(y, lin.weight.t(), b)                 # W^T y + b'
                loss = reconstruction_loss(a, x, kind).mean()
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total += float(loss.detach()) * len(x)
            curve.append(total / len(h))
        return curve

    def pretrain(self, X: torch.Tensor, seed: int = 0) -> list[list[float]]:
        """Greedy layer-wise pre-training of every layer, bottom first (see
        :meth:`pretrain_layer`); returns each layer's loss curve."""
        x = self._checked(X)
        curves = [self.pretrain_layer(li, x, seed) for li in range(len(self.layers))]
        self.pretrained.fill_(True)
        return curves

    def on_fit_start(self, X: torch.Tensor, seed: int = 0) -> None:
        """Stacked: pre-train on the whole training split unless already done; else keep the
        images of the reconstruction plot."""
        if not self.config.stacked:
            return super().on_fit_start(X, seed)
        if not bool(self.pretrained):
            self.pretrain(X, seed)

    # -- the classifier (stacked) ----------------------------------------------------------

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstructions (B, *sample_shape); stacked: class scores (B, n_classes)."""
        if self.head is None:
            return super().forward(x)
        return self.head(self.encode(x))

    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """A denoising step; stacked: pre-training first (once), then a step on the
        cross-entropy of the class scores."""
        if self.head is None:
            return super().training_step(batch)
        x, y = self._labelled(batch)
        if not bool(self.pretrained):
            self.pretrain(x)
        self.fitted.fill_(True)
        logits = self(x)
        return {"loss": F.cross_entropy(logits, y),
                "accuracy": (logits.detach().argmax(1) == y).float().mean()}

    @torch.no_grad()
    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        if self.head is None:
            return super().evaluation_step(batch)
        x, y = self._labelled(batch)
        logits = self(x)
        return {"loss": F.cross_entropy(logits.float(), y),
                "accuracy": (logits.argmax(1) == y).float().mean()}

    def _labelled(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        x, y = batch
        if y is None:
            raise InputError("a stacked dae is a classifier and needs labels; the batch has "
                             "none")
        return self._checked(x), y

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """The codes (B, latent); stacked: the class of each sample (B,)."""
        if self.head is None:
            return super().predict(x)
        if not bool(self.fitted):
            raise NotFittedError("this stacked dae has not been trained yet; train it before "
                                 "predicting")
        return self(self._checked(x)).argmax(1)

    def visualize(self, out_dir: Path) -> list[Path]:
        """Filters and reconstructions; stacked: the first layer's filters only."""
        from nnzoo.models.generative import autoencoder_plots
        from nnzoo.models.generative.autoencoder import first_filters

        if self.head is None:
            return super().visualize(out_dir)
        filters = first_filters(self)
        if filters is None:
            return []
        return [autoencoder_plots.plot_filters(filters, Path(out_dir) / "filters.png",
                                               "stacked dae: first-layer filters")]


__all__ = ["DAE", "DAEConfig", "LayerDecoders"]
