"""Generative adversarial network, fully connected (Goodfellow et al. 2014).

Paper: I. J. Goodfellow, J. Pouget-Abadie, M. Mirza, B. Xu, D. Warde-Farley, S. Ozair,
A. Courville, Y. Bengio, "Generative Adversarial Networks", NeurIPS 2014.
https://arxiv.org/abs/1406.2661 (reference code: https://github.com/goodfeli/adversarial).

A generator G maps noise z ~ p_z = N(0, I) to a sample G(z); a discriminator D(x) in (0, 1)
says how likely x is to come from the data rather than from G. They play the two-player
game

    min_G max_D V(D, G) = E_{x ~ p_data}[log D(x)] + E_{z ~ p_z}[log(1 - D(G(z)))].

For a fixed G the best discriminator is D*(x) = p_data(x) / (p_data(x) + p_g(x)), and then
V(D*, G) = -log 4 + 2 JSD(p_data || p_g): the game's value is lowest exactly when p_g = p_data
(Proposition 1 and Theorem 1 of the paper; ``tests/test_gan.py`` checks our losses against
this closed form by numerical integration).

Each training step does Algorithm 1 of the paper, with Adam instead of momentum SGD:

- ``d_steps`` (the paper's k) updates of D, each on the real batch and as many fresh
  samples of G, descending the cross-entropy ``-log D(x) - log(1 - D(G(z)))`` (= -V);
- one update of G, on the **non-saturating** loss ``-log D(G(z))`` by default (Section 3 of
  the paper: early in training log(1 - D(G(z))) saturates, its gradient vanishes), or on the
  **minimax** loss ``log(1 - D(G(z)))`` itself (``generator_loss="minimax"``).

D works on logits ``l`` (D = sigmoid(l)), so every log is computed stably:
``-log D = softplus(-l)`` and ``-log(1 - D) = softplus(l)``.

Data: images ``(C, H, W)`` must lie in ``[0, 1]`` (nnzoo's convention); G ends with tanh, so
images are mapped to ``[-1, 1]`` for D and G's outputs mapped back by ``(g + 1) / 2``.
Vectors (the 1-D Gaussian toy) are used as they are and G's output layer is linear.

The model keeps its two optimizers itself (``automatic_optimization = False``): the engine
gets both from :meth:`GAN.configure_optimizers` (it checkpoints and restores them) and only
feeds batches. ``forward(x)`` is the discriminator's logit; :meth:`GAN.predict` its
probability D(x). A ``(1,)``-shaped sample is not an image: :meth:`GAN.decode` refuses it
and :meth:`GAN.generate` draws samples of any shape.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch
import torch.nn.functional as F
from torch import nn

from nnzoo.core.config import TrainConfig, decay_groups, require
from nnzoo.core.errors import InputError, NotFittedError
from nnzoo.models.base import Batch, ZooModule
from nnzoo.models.registry import register

# -- the losses -----------------------------------------------------------------------------


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """The discriminator's loss ``-E[log D(x)] - E[log(1 - D(G(z)))]`` (= -V(D, G)) from its
    logits on real and on generated samples (means over each batch)."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def generator_loss(fake_logits: torch.Tensor,
                   kind: Literal["non-saturating", "minimax"] = "non-saturating"
                   ) -> torch.Tensor:
    """The generator's loss from D's logits on generated samples: ``-E[log D(G(z))]``
    (non-saturating) or ``E[log(1 - D(G(z)))]`` (minimax, the game's own term)."""
    if kind == "minimax":
        return -F.softplus(fake_logits).mean()
    return F.softplus(-fake_logits).mean()


# -- configuration --------------------------------------------------------------------------


@dataclass
class GANConfig:
    """Hyperparameters of :class:`GAN`.

    :param sample_shape: one sample: an image ``(C, H, W)`` in ``[0, 1]`` or a vector ``(D,)``.
    :param latent_dim: length of the noise code z ~ N(0, I).
    :param g_hidden: widths of the generator's hidden layers (ReLU).
    :param d_hidden: widths of the discriminator's hidden layers (LeakyReLU 0.2).
    :param generator_loss: ``non-saturating`` (-log D(G(z)), the paper's practical choice) or
        ``minimax`` (log(1 - D(G(z)))).
    :param d_steps: discriminator updates per generator update (the paper's k).
    :param beta1: Adam's first-moment decay for both players (the learning rate is the
        engine's ``lr``).
    :param d_dropout: dropout in the discriminator's hidden layers.
    """

    sample_shape: tuple[int, ...] = (1, 8, 8)
    latent_dim: int = 32
    g_hidden: tuple[int, ...] = (256, 256)
    d_hidden: tuple[int, ...] = (256, 256)
    generator_loss: Literal["non-saturating", "minimax"] = "non-saturating"
    d_steps: int = 1
    beta1: float = 0.5
    d_dropout: float = 0.0

    def __post_init__(self) -> None:
        require(len(self.sample_shape) in (1, 3) and all(s >= 1 for s in self.sample_shape),
                f"sample_shape must be (C, H, W) or (D,) with sizes >= 1, got "
                f"{self.sample_shape}")
        require(self.latent_dim >= 1, f"latent_dim must be >= 1, got {self.latent_dim}")
        require(len(self.g_hidden) >= 1 and all(h >= 1 for h in self.g_hidden),
                f"g_hidden must be positive widths, got {self.g_hidden}")
        require(len(self.d_hidden) >= 1 and all(h >= 1 for h in self.d_hidden),
                f"d_hidden must be positive widths, got {self.d_hidden}")
        require(self.d_steps >= 1, f"d_steps must be >= 1, got {self.d_steps}")
        require(0 <= self.beta1 < 1, f"beta1 must be in [0, 1), got {self.beta1}")
        require(0 <= self.d_dropout < 1, f"d_dropout must be in [0, 1), got {self.d_dropout}")


# -- the two players ------------------------------------------------------------------------


def mlp_generator(cfg: GANConfig) -> nn.Sequential:
    """z -> (Linear, ReLU) per ``g_hidden`` -> Linear to one flat sample (tanh for images)."""
    layers: list[nn.Module] = []
    width = cfg.latent_dim
    for h in cfg.g_hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    layers.append(nn.Linear(width, math.prod(cfg.sample_shape)))
    if len(cfg.sample_shape) == 3:
        layers.append(nn.Tanh())
    return nn.Sequential(*layers)


def mlp_discriminator(cfg: GANConfig) -> nn.Sequential:
    """flat sample -> (Linear, LeakyReLU 0.2, dropout) per ``d_hidden`` -> one logit."""
    layers: list[nn.Module] = [nn.Flatten()]
    width = math.prod(cfg.sample_shape)
    for h in cfg.d_hidden:
        layers += [nn.Linear(width, h), nn.LeakyReLU(0.2)]
        if cfg.d_dropout:
            layers.append(nn.Dropout(cfg.d_dropout))
        width = h
    layers.append(nn.Linear(width, 1))
    return nn.Sequential(*layers)


# -- the model ------------------------------------------------------------------------------


@register("gan", config=GANConfig, rule="adversarial training: alternating Adam steps on D "
          "(cross-entropy) and G (non-saturating or minimax loss)",
          peer="a hand-written PyTorch loop of the same GAN (1-D toy); the target moments",
          reference="https://github.com/goodfeli/adversarial")
class GAN(ZooModule[Any]):
    """Generator and discriminator trained adversarially (see the module docstring).

    Implements :class:`nnzoo.models.generative.generator.ImageGenerator` for image data.

    :param config: a :class:`GANConfig` (or a :class:`~nnzoo.models.generative.dcgan.DCGANConfig`
        for the subclass).
    """

    automatic_optimization = False
    conditional = False
    n_classes = 0

    generator: nn.Module
    discriminator: nn.Module
    fixed_z: torch.Tensor

    def __init__(self, config: Any) -> None:
        super().__init__(config)
        self.generator, self.discriminator = self.build_networks()
        self._optimizers: list[torch.optim.Optimizer] = []
        self.history: list[dict[str, float]] = []      # per-epoch means of the step metrics
        self.snapshots: list[torch.Tensor] = []        # G(z_fixed) at each epoch's end
        self._sums: dict[str, float] = {}
        self._count = 0
        self.register_buffer("fixed_z", torch.randn(64, config.latent_dim,
                                                    generator=torch.Generator().manual_seed(0)),
                             persistent=False)

    def build_networks(self) -> tuple[nn.Module, nn.Module]:
        """The generator and the discriminator (fully connected here)."""
        return mlp_generator(self.config), mlp_discriminator(self.config)

    # -- the ImageGenerator surface --------------------------------------------------------

    @property
    def latent_dim(self) -> int:
        return int(self.config.latent_dim)

    @property
    def is_image(self) -> bool:
        """Whether one sample is an image ``(C, H, W)``."""
        return len(self.sample_shape) == 3

    def prior(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``n`` noise codes z ~ N(0, I), ``(n, latent_dim)``, drawn from ``generator``."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InputError(f"{self.model_id}: the number of samples must be an integer >= 1, "
                             f"got {n!r}")
        return torch.randn(n, self.latent_dim, generator=generator).to(self.device)

    def generate_from(self, z: torch.Tensor) -> torch.Tensor:
        """Samples ``G(z)`` in data space (images in ``[0, 1]``), ``(n, *sample_shape)``."""
        if not isinstance(z, torch.Tensor) or z.dim() != 2 or z.shape[1] != self.latent_dim:
            got = tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__
            raise InputError(f"{self.model_id}: codes must have shape (n, {self.latent_dim}), "
                             f"got {got}")
        out = self.generator(z.to(self.device, torch.float32))
        out = out.reshape(len(z), *self.sample_shape)
        return (out + 1) / 2 if self.is_image else out

    @torch.no_grad()
    def decode(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Images ``G(z)`` in ``[0, 1]``, ``(n, C, H, W)``.

        :raises InputError: for labels (the model is unconditional), or when the samples are
            not images (the 1-D toy: use :meth:`generate`).
        """
        if labels is not None:
            raise InputError(f"{self.model_id} is unconditional: it takes no labels")
        if not self.is_image:
            raise InputError(f"{self.model_id} generates vectors of shape {self.sample_shape}, "
                             "not images; draw them with GAN.generate(n)")
        return self.generate_from(z).clamp(0, 1)

    @torch.no_grad()
    def generate(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` samples of G in data space, images or vectors alike."""
        g = generator or torch.Generator().manual_seed(0)
        was = self.training
        self.eval()
        out = self.generate_from(self.prior(n, g))
        self.train(was)
        return out

    # -- input -----------------------------------------------------------------------------

    def _data(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` checked (shape, dtype, finite; images in [0, 1]) and mapped to G's range."""
        self.check(x, finite=True)
        if self.is_image:
            if x.numel() and (float(x.min()) < 0 or float(x.max()) > 1):
                raise InputError(f"{self.model_id}: images must lie in [0, 1], got values from "
                                 f"{float(x.min()):.4g} to {float(x.max()):.4g}")
            return x * 2 - 1
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The discriminator's logit for each sample of ``x`` (data space), ``(n,)``."""
        self.check(x)
        return self.discriminator(x * 2 - 1 if self.is_image else x).reshape(-1)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """D(x): the probability that each sample is real (checked input), ``(n,)``."""
        return torch.sigmoid(self.discriminator(self._data(x)).reshape(-1))

    # -- training --------------------------------------------------------------------------

    def configure_optimizers(self, cfg: TrainConfig) -> list[torch.optim.Optimizer]:
        """Adam for G, then Adam for D, both at ``cfg.lr`` with ``betas=(beta1, 0.999)`` and
        ``cfg.weight_decay`` (off biases and norms with ``decay_norms_and_biases`` False:
        :func:`~nnzoo.core.config.decay_groups`); the model steps them itself."""
        betas = (self.config.beta1, 0.999)
        self._optimizers = [
            torch.optim.Adam(decay_groups(list(net.parameters()), cfg), lr=cfg.lr, betas=betas,
                             weight_decay=cfg.weight_decay)
            for net in (self.generator, self.discriminator)]
        return self._optimizers

    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """One round of Algorithm 1: ``d_steps`` updates of D, one of G.

        Metrics: ``d_loss`` (-V on the batch, log 4 = 1.386 at equilibrium), ``g_loss``,
        ``d_real`` (mean D(x)), ``d_fake`` (mean D(G(z)) before G's update), and ``loss``
        (= ``d_loss``).
        """
        if not self._optimizers:
            raise NotFittedError(f"{self.model_id}: call configure_optimizers before training")
        opt_g, opt_d = self._optimizers
        x = self._data(batch[0])
        n = len(x)
        for _ in range(self.config.d_steps):
            z = torch.randn(n, self.latent_dim, device=x.device)
            fake = self.generator(z).reshape(x.shape).detach()
            real_logits = self.discriminator(x).reshape(-1)
            fake_logits = self.discriminator(fake).reshape(-1)
            d_loss = discriminator_loss(real_logits, fake_logits)
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
        z = torch.randn(n, self.latent_dim, device=x.device)
        g_logits = self.discriminator(self.generator(z).reshape(x.shape)).reshape(-1)
        g_loss = generator_loss(g_logits, self.config.generator_loss)
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        out = {"loss": d_loss.detach(), "d_loss": d_loss.detach(), "g_loss": g_loss.detach(),
               "d_real": torch.sigmoid(real_logits.detach()).mean(),
               "d_fake": torch.sigmoid(fake_logits.detach()).mean()}
        for k, v in out.items():
            self._sums[k] = self._sums.get(k, 0.0) + float(v) * n
        self._count += n
        return out

    @torch.no_grad()
    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """D's loss, D(x) and D(G(z)) on held-out real samples and as many fresh fakes.

        The first evaluation after training steps also closes the epoch's record for the
        training-health plots (:attr:`history`, :attr:`snapshots`).
        """
        if self._count:
            self.history.append({k: v / self._count for k, v in self._sums.items()})
            self._sums, self._count = {}, 0
            if self.is_image:
                self.snapshots.append(self.generate_from(self.fixed_z[:64]).clamp(0, 1).cpu())
        x = self._data(batch[0])
        z = torch.randn(len(x), self.latent_dim, device=x.device)
        real_logits = self.discriminator(x).reshape(-1)
        fake_logits = self.discriminator(self.generator(z).reshape(x.shape)).reshape(-1)
        return {"loss": discriminator_loss(real_logits, fake_logits),
                "d_real": torch.sigmoid(real_logits).mean(),
                "d_fake": torch.sigmoid(fake_logits).mean()}

    def visualize(self, out_dir: Path) -> list[Path]:
        """Training-health curves, samples per epoch and a final sample grid (images), or a
        histogram of samples against the data's density (vectors)."""
        from nnzoo.models.generative import gan_plots

        return gan_plots.visualize_gan(self, out_dir)
