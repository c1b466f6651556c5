"""The generative deconvolutional network: transposed convolutions from a code to an image.

Catalog paper: M. D. Zeiler, D. Krishnan, G. W. Taylor, R. Fergus, "Deconvolutional
networks", CVPR 2010. https://doi.org/10.1109/CVPR.2010.5539957

Zeiler et al. reconstruct an image as a sum of feature maps convolved with learned filters,
the maps inferred per image under a sparsity penalty. The Neural Network Zoo's "DN" is the
feed-forward reading of that idea that later work made standard (Dosovitskiy, Springenberg
& Brox, "Learning to generate chairs with convolutional networks", CVPR 2015,
https://arxiv.org/abs/1411.5928): a
CNN run backwards, whose input is a *code* and whose output is an image. nnzoo builds that
one:

    code = [one-hot(class), style]  ->  Linear  ->  (2c, H/4, W/4)
         ->  ConvT(4, stride 2) -> BN -> ReLU  ->  ConvT(4, stride 2) -> sigmoid  ->  image,

each transposed convolution doubling the side (``(n - 1) 2 - 2 + 4 = 2n``; see
:func:`nnzoo.models.generative.dcgan.transposed_output_size`). The class part of the code is
given (the label); the style part (slant, thickness: what the class does not say) is read
from the image by a small convolutional **encoder** (two stride-2 convolutions and a linear
layer), trained jointly with the decoder by reconstruction. nnzoo chose an encoder over
style vectors learned per training image (Dosovitskiy et al.'s set-up with fixed
viewpoints has none to learn) because it gives held-out images a style without an
optimisation per image.

Training minimises the Bernoulli reconstruction loss (binary cross-entropy summed over the
pixels, averaged over the images; images must lie in ``[0, 1]``),

    L = - sum_p [ x_p log x^_p + (1 - x_p) log(1 - x^_p) ],   x^ = decoder(one-hot(y), encoder(x)).

To *generate*, the style is drawn from a diagonal Gaussian fitted to the training images'
styles (running mean and variance, as batch norm keeps them) and paired with any class:
``decode(style, labels)`` is the ImageGenerator surface (conditional: labels required).

``forward(x)`` and ``predict(x)`` return the style code the encoder reads from ``x``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from nnzoo.core.config import require
from nnzoo.core.errors import InputError
from nnzoo.models.base import Batch, ZooModule
from nnzoo.models.registry import register


@dataclass
class DeconvNetConfig:
    """Hyperparameters of :class:`DeconvNet`.

    :param sample_shape: one image ``(C, H, W)`` in ``[0, 1]``, H and W divisible by 4.
    :param n_classes: classes of the one-hot part of the code.
    :param style_dim: length of the style part of the code.
    :param width: channels of the decoder's last hidden map (the first holds twice as many)
        and of the encoder's first.
    :param momentum: weight of each batch in the running mean and variance of the styles
        (the generating prior).
    """

    sample_shape: tuple[int, ...] = (1, 8, 8)
    n_classes: int = 10
    style_dim: int = 8
    width: int = 32
    momentum: float = 0.05

    def __post_init__(self) -> None:
        require(len(self.sample_shape) == 3 and all(s >= 1 for s in self.sample_shape),
                f"sample_shape must be an image (C, H, W), got {self.sample_shape}")
        _, h, w = self.sample_shape
        require(h % 4 == 0 and w % 4 == 0,
                f"two stride-2 stages need image sides divisible by 4, got {h}x{w}")
        require(self.n_classes >= 2, f"n_classes must be >= 2, got {self.n_classes}")
        require(self.style_dim >= 1, f"style_dim must be >= 1, got {self.style_dim}")
        require(self.width >= 1, f"width must be >= 1, got {self.width}")
        require(0 < self.momentum <= 1, f"momentum must be in (0, 1], got {self.momentum}")


def style_encoder(cfg: DeconvNetConfig) -> nn.Sequential:
    """image -> Conv(4, s2) -> LeakyReLU -> Conv(4, s2) -> LeakyReLU -> Linear -> style."""
    c, h, w = cfg.sample_shape
    return nn.Sequential(
        nn.Conv2d(c, cfg.width, 4, 2, 1), nn.LeakyReLU(0.2),               # (w, H/2, W/2)
        nn.Conv2d(cfg.width, 2 * cfg.width, 4, 2, 1), nn.LeakyReLU(0.2),   # (2w, H/4, W/4)
        nn.Flatten(), nn.Linear(2 * cfg.width * (h // 4) * (w // 4), cfg.style_dim))


def code_decoder(cfg: DeconvNetConfig) -> nn.Sequential:
    """code -> Linear -> (2w, H/4, W/4) -> ConvT(4, s2) -> BN -> ReLU -> ConvT(4, s2) ->
    image logits."""
    c, h, w = cfg.sample_shape
    ch = 2 * cfg.width
    return nn.Sequential(
        nn.Linear(cfg.n_classes + cfg.style_dim, ch * (h // 4) * (w // 4)), nn.ReLU(),
        nn.Unflatten(1, (ch, h // 4, w // 4)),
        nn.ConvTranspose2d(ch, cfg.width, 4, 2, 1, bias=False),          # H/4 -> H/2
        nn.BatchNorm2d(cfg.width), nn.ReLU(),
        nn.ConvTranspose2d(cfg.width, c, 4, 2, 1))                        # H/2 -> H


@register("deconvnet", config=DeconvNetConfig,
          rule="backprop on the Bernoulli reconstruction loss (code = one-hot class + style "
               "from an encoder)",
          peer="PCA with as many components as the code has numbers (linear reconstruction)",
          reference="https://arxiv.org/abs/1411.5928")
class DeconvNet(ZooModule[DeconvNetConfig]):
    """Code-to-image network with a style encoder (see the module docstring).

    :param config: a :class:`DeconvNetConfig`.
    """

    conditional = True

    style_mean: torch.Tensor                                               # buffers
    style_var: torch.Tensor

    def __init__(self, config: DeconvNetConfig) -> None:
        super().__init__(config)
        self.encoder = style_encoder(config)
        self.decoder = code_decoder(config)
        self.register_buffer("style_mean", torch.zeros(config.style_dim))
        self.register_buffer("style_var", torch.ones(config.style_dim))

    @property
    def latent_dim(self) -> int:
        return self.config.style_dim

    @property
    def n_classes(self) -> int:
        return self.config.n_classes

    # -- input -----------------------------------------------------------------------------

    def _images(self, x: torch.Tensor) -> torch.Tensor:
        self.check(x, finite=True)
        if x.numel() and (float(x.min()) < 0 or float(x.max()) > 1):
            raise InputError(f"{self.model_id}: images must lie in [0, 1] (Bernoulli "
                             f"reconstruction), got values from {float(x.min()):.4g} to "
                             f"{float(x.max()):.4g}")
        return x

    def _labels(self, labels: torch.Tensor | None, n: int) -> torch.Tensor:
        if labels is None:
            raise InputError(f"{self.model_id} is conditional: it needs one class label per "
                             "image or code, got none")
        labels = torch.as_tensor(labels)
        if labels.shape != (n,) or labels.is_floating_point() or labels.is_complex():
            raise InputError(f"{self.model_id}: labels must be {n} integers, got shape "
                             f"{tuple(labels.shape)} of {labels.dtype}")
        if n and (int(labels.min()) < 0 or int(labels.max()) >= self.config.n_classes):
            raise InputError(f"{self.model_id}: labels must lie in [0, {self.config.n_classes})"
                             f", got {int(labels.min())} to {int(labels.max())}")
        return labels.to(self.device).long()

    # -- the two halves --------------------------------------------------------------------

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The style code the encoder reads from images ``x``, ``(n, style_dim)``."""
        self.check(x)
        return self.encoder(x)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Style codes of images ``x`` (checked: shape, dtype, finite, in [0, 1])."""
        return self.encoder(self._images(x))

    def decode_logits(self, style: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """The decoder's pixel logits for codes ``[one-hot(labels), style]``."""
        code = torch.cat([F.one_hot(labels, self.config.n_classes).to(style.dtype), style], 1)
        return self.decoder(code)

    @torch.no_grad()
    def decode(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Images in ``[0, 1]`` for styles ``z`` ``(n, style_dim)`` and class ``labels``."""
        if not isinstance(z, torch.Tensor) or z.dim() != 2 or z.shape[1] != self.latent_dim:
            got = tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__
            raise InputError(f"{self.model_id}: codes must have shape (n, {self.latent_dim}), "
                             f"got {got}")
        y = self._labels(labels, len(z))
        return torch.sigmoid(self.decode_logits(z.to(self.device, torch.float32), y))

    def prior(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``n`` styles from the Gaussian fitted to the training styles."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InputError(f"{self.model_id}: the number of samples must be an integer >= 1, "
                             f"got {n!r}")
        eps = torch.randn(n, self.latent_dim, generator=generator).to(self.device)
        return self.style_mean + eps * self.style_var.sqrt()

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """``x`` encoded and decoded with its labels, in ``[0, 1]``."""
        x = self._images(x)
        return torch.sigmoid(self.decode_logits(self.encoder(x), self._labels(labels, len(x))))

    # -- training --------------------------------------------------------------------------

    def _loss(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = self._images(batch[0])
        y = self._labels(batch[1], len(x))
        style = self.encoder(x)
        logits = self.decode_logits(style, y)
        bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / len(x)
        return bce, F.mse_loss(torch.sigmoid(logits), x), style

    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Bernoulli reconstruction loss (``loss``, nats per image) and pixel ``mse``; the
        running style statistics move toward the batch's."""
        loss, mse, style = self._loss(batch)
        with torch.no_grad():
            m = self.config.momentum
            s = style.detach()
            self.style_mean.lerp_(s.mean(0), m)
            self.style_var.lerp_(s.var(0, unbiased=len(s) > 1) if len(s) > 1
                                 else torch.zeros_like(self.style_var), m)
        return {"loss": loss, "mse": mse.detach()}

    @torch.no_grad()
    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        loss, mse, _ = self._loss(batch)
        return {"loss": loss, "mse": mse}

    def visualize(self, out_dir: Path) -> list[Path]:
        """Generated images: a row per class, columns of styles drawn from the prior."""
        from nnzoo.models.generative import deconvnet_plots

        return deconvnet_plots.visualize_deconvnet(self, out_dir)
