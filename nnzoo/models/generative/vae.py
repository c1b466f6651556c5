"""The variational autoencoder: a latent-variable model of images trained by its ELBO.

Paper: D. P. Kingma, M. Welling, "Auto-Encoding Variational Bayes", 2013 (ICLR 2014).
https://arxiv.org/abs/1312.6114. Reference set-up: pytorch/examples' ``vae/main.py``
(784-400-20, Adam 1e-3, batch 128, binary cross-entropy + KL summed over pixels).

The model: a code ``z ~ p(z) = N(0, I)`` of ``latent_dim`` numbers, and an image drawn from
the decoder ``p(x | z)``: independent Bernoulli pixels with means ``sigmoid(f(z))``
(``decoder="bernoulli"``, images in [0, 1]) or Gaussian pixels ``N(sigmoid(f(z)), s^2)``
with a learned deviation ``s`` per pixel (``decoder="gaussian"``). The encoder
``q(z | x) = N(mu(x), diag(exp(logvar(x))))`` approximates the posterior, and both are fitted
by maximising the evidence lower bound of each image,

    ELBO(x) = E_q[ log p(x | z) ] - KL( q(z | x) || p(z) )  <=  log p(x),

with the KL in closed form (Kingma & Welling, appendix B),

    KL = -1/2 sum_j ( 1 + logvar_j - mu_j^2 - exp(logvar_j) ),

and the expectation estimated with one reparameterised sample ``z = mu + exp(logvar / 2) *
eps``, ``eps ~ N(0, I)``, so that the gradient flows through ``mu`` and ``logvar``. The loss
is the negative ELBO per image in nats (summed over pixels and latent units, averaged over
the batch), the figure pytorch/examples reports. ``beta`` (1 here) weights the KL: the
beta-VAE (:mod:`~nnzoo.models.generative.beta_vae`) raises it; the conditional VAE
(:mod:`~nnzoo.models.generative.cvae`) and DC-IGN (:mod:`~nnzoo.models.generative.dcign`)
build on this class.

Two architectures (``arch``): ``mlp`` (flattened pixels through ``hidden`` layers, as the
paper and pytorch/examples) and ``conv`` (3x3 stride-2 convolutions with ``channels``, then
the ``hidden`` layers; the decoder mirrors it with transposed convolutions). Dynamic
binarisation (``dynamic_binarization``) redraws every training image as ``x ~ Bernoulli(x)``
at each batch; the static binarisation is a dataset option (``mnist`` with
``binarize="static"``). The marginal likelihood is estimated with the IWAE bound
(:func:`~nnzoo.models.generative.iwae.iwae_bound`, :meth:`VAE.iwae`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from nnzoo.core.config import require
from nnzoo.core.errors import InputError
from nnzoo.models.base import Batch, ZooModule
from nnzoo.models.generative import vae_plots
from nnzoo.models.generative.iwae import (
    LOG_2PI,
    iwae_bound,
    standard_normal_log_density,
)
from nnzoo.models.registry import register


@dataclass
class VAEConfig:
    """Hyperparameters of :class:`VAE`.

    :param sample_shape: shape of one image ``(C, H, W)`` (or a flat ``(D,)`` for ``mlp``).
    :param latent_dim: size of the code ``z`` (>= 1).
    :param arch: ``mlp`` or ``conv`` (images only).
    :param hidden: widths of the encoder's dense layers (the decoder's, reversed).
    :param channels: ``conv`` only: output channels of each stride-2 convolution.
    :param decoder: ``bernoulli`` (images in [0, 1]) or ``gaussian`` (learned deviation per
        pixel).
    :param dynamic_binarization: redraw each training batch as ``x ~ Bernoulli(x)``.
    :param iwae_k: when > 0, evaluation also reports ``iwae_nll``, ``-L_k`` with this ``k``.
    """

    sample_shape: tuple[int, ...] = (1, 28, 28)
    latent_dim: int = 20
    arch: Literal["mlp", "conv"] = "mlp"
    hidden: tuple[int, ...] = (400,)
    channels: tuple[int, ...] = (32, 64)
    decoder: Literal["bernoulli", "gaussian"] = "bernoulli"
    dynamic_binarization: bool = False
    iwae_k: int = 0

    def __post_init__(self) -> None:
        require(len(self.sample_shape) in (1, 3) and all(s >= 1 for s in self.sample_shape),
                f"sample_shape must be (C, H, W) or (D,) with positive sizes, got "
                f"{self.sample_shape}")
        require(self.latent_dim >= 1, f"latent_dim must be >= 1, got {self.latent_dim}")
        require(all(h >= 1 for h in self.hidden), f"hidden must be positive, got {self.hidden}")
        require(self.arch == "mlp" or len(self.sample_shape) == 3,
                f"arch=conv needs images (C, H, W), got sample_shape {self.sample_shape}")
        require(len(self.channels) >= 1 and all(c >= 1 for c in self.channels),
                f"channels must be positive, got {self.channels}")
        require(self.iwae_k >= 0, f"iwae_k must be >= 0, got {self.iwae_k}")
        if self.arch == "conv":
            side = min(self.sample_shape[1:])
            require(side >= 2 ** len(self.channels),
                    f"{len(self.channels)} stride-2 convolutions need images of at least "
                    f"{2 ** len(self.channels)} pixels a side, got {self.sample_shape}")


def mlp(sizes: list[int]) -> nn.Sequential:
    """Dense layers ``sizes[0] -> ... -> sizes[-1]``, each followed by a ReLU."""
    layers: list[nn.Module] = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers)


class Encoder(nn.Module):
    """``x (B, *shape)`` and an optional condition ``c (B, n_cond)`` to ``(mu, logvar)``."""

    def __init__(self, cfg: VAEConfig, n_cond: int = 0) -> None:
        super().__init__()
        self.sizes: list[tuple[int, int]] = []
        if cfg.arch == "conv":
            c, h, w = cfg.sample_shape
            convs: list[nn.Module] = []
            for c_out in cfg.channels:
                self.sizes.append((h, w))
                convs += [nn.Conv2d(c, c_out, 3, stride=2, padding=1), nn.ReLU()]
                c, h, w = c_out, (h + 1) // 2, (w + 1) // 2
            self.features: nn.Module = nn.Sequential(*convs, nn.Flatten())
            self.conv_shape = (c, h, w)
            width = c * h * w
        else:
            self.features = nn.Flatten()
            width = math.prod(cfg.sample_shape)
        self.body = mlp([width + n_cond, *cfg.hidden])
        last = cfg.hidden[-1] if cfg.hidden else width + n_cond
        self.mu = nn.Linear(last, cfg.latent_dim)
        self.logvar = nn.Linear(last, cfg.latent_dim)

    def forward(self, x: torch.Tensor, c: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.features(x)
        h = self.body(h if c is None else torch.cat([h, c], 1))
        return self.mu(h), self.logvar(h)


class Decoder(nn.Module):
    """``z (..., latent_dim)`` and an optional condition to pixel logits ``(..., *shape)``."""

    def __init__(self, cfg: VAEConfig, enc: Encoder, n_cond: int = 0) -> None:
        super().__init__()
        self.shape = tuple(cfg.sample_shape)
        sizes = [cfg.latent_dim + n_cond, *reversed(cfg.hidden)]
        self.body = mlp(sizes)
        if cfg.arch == "conv":
            c, h, w = enc.conv_shape
            self.conv_shape = (c, h, w)
            self.project: nn.Module = nn.Sequential(nn.Linear(sizes[-1], c * h * w), nn.ReLU())
            ups: list[nn.Module] = []
            outs = [*reversed(cfg.channels[:-1]), cfg.sample_shape[0]]
            for i, (c_out, (th, tw)) in enumerate(zip(outs, reversed(enc.sizes))):
                pad = (th - (2 * h - 1), tw - (2 * w - 1))     # output_padding: hit the size
                ups.append(nn.ConvTranspose2d(c, c_out, 3, stride=2, padding=1,
                                              output_padding=pad))
                if i < len(outs) - 1:
                    ups.append(nn.ReLU())
                c, h, w = c_out, th, tw
            self.deconv: nn.Module = nn.Sequential(*ups)
        else:
            self.project = nn.Linear(sizes[-1], math.prod(cfg.sample_shape))
            self.deconv = nn.Identity()

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        lead = z.shape[:-1]
        z = z.reshape(-1, z.shape[-1])
        if c is not None:
            c = c.expand(*lead, c.shape[-1]).reshape(-1, c.shape[-1])
            z = torch.cat([z, c], 1)
        h = self.project(self.body(z))
        if hasattr(self, "conv_shape"):
            h = self.deconv(h.view(-1, *self.conv_shape))
        return h.reshape(*lead, *self.shape)


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """``KL(N(mu, exp(logvar)) || N(0, I))`` summed over the last dimension (closed form)."""
    return -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(-1)


@register("vae", config=VAEConfig, rule="backpropagation of the ELBO (reparameterisation)",
          peer="pythae 0.1.2 VAE (same architecture, optimiser and epochs)",
          reference="https://github.com/pytorch/examples/blob/main/vae/main.py")
class VAE(ZooModule[VAEConfig]):
    """Variational autoencoder (Kingma & Welling 2013), an
    :class:`~nnzoo.models.generative.generator.ImageGenerator`.

    ``forward(x)`` and ``predict(x)`` return the posterior means ``mu(x)`` (the codes);
    ``decode(z)`` the decoder's mean images; ``iwae(x, k)`` the IWAE bound of each image.

    :param config: a :class:`VAEConfig`.
    """

    conditional: bool = False

    def __init__(self, config: VAEConfig) -> None:
        super().__init__(config)
        self.latent_dim = config.latent_dim
        self.n_classes = int(getattr(config, "n_classes", 0)) if self.conditional else 0
        self.encoder = Encoder(config, self.n_classes)
        self.decoder = Decoder(config, self.encoder, self.n_classes)
        if config.decoder == "gaussian":
            self.log_sigma = nn.Parameter(torch.full(tuple(config.sample_shape),
                                                     math.log(0.1)))
        self.last_images: torch.Tensor | None = None   # a few evaluated images, for plots

    @property
    def beta(self) -> float:
        """The weight of the KL term (1 for the VAE)."""
        return float(getattr(self.config, "beta", 1.0))

    # -- conditioning: the CVAE overrides these two ---------------------------------------
    def condition(self, y: torch.Tensor | None) -> torch.Tensor | None:
        """The condition the encoder and decoder read (``None``: unconditional)."""
        return None

    def labels_for(self, x: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor | None:
        """Labels of a training batch; a model that needs them raises when they are missing."""
        return y

    # -- the model -------------------------------------------------------------------------
    def check_values(self, x: torch.Tensor) -> torch.Tensor:
        """Full input check: shape, dtype, finite values and, for a Bernoulli decoder,
        pixels in [0, 1]."""
        self.check(x, finite=True)
        if self.config.decoder == "bernoulli" and x.numel():
            lo, hi = float(x.min()), float(x.max())
            if lo < 0 or hi > 1:
                raise InputError(f"{self.model_id} has a Bernoulli decoder and needs images "
                                 f"with values in [0, 1], got values in [{lo:.4g}, {hi:.4g}]")
        return x

    def encode(self, x: torch.Tensor, y: torch.Tensor | None = None
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(mu, logvar)`` of ``q(z | x)``, each ``(B, latent_dim)``."""
        return self.encoder(x, self.condition(y))

    def decode_logits(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Pixel logits ``f(z)`` for codes ``(..., B, latent_dim)``."""
        c = self.condition(y)
        return self.decoder(z, c)

    def log_likelihood(self, x: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        """``log p(x | z)`` summed over pixels, for logits ``(..., B, *shape)`` -> ``(..., B)``."""
        dims = tuple(range(-len(self.sample_shape), 0))
        if self.config.decoder == "bernoulli":
            return -F.binary_cross_entropy_with_logits(
                logits, x.expand_as(logits), reduction="none").sum(dims)
        mean, ls = torch.sigmoid(logits), self.log_sigma.clamp(min=math.log(1e-3))
        return (-0.5 * LOG_2PI - ls - 0.5 * ((x - mean) / ls.exp()).pow(2)).sum(dims)

    def elbo_terms(self, x: torch.Tensor, y: torch.Tensor | None = None,
                   eps: torch.Tensor | None = None, analytic_kl: bool = True
                   ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(log p(x | z), KL)`` of each image (``(B,)`` each) at one sample
        ``z = mu + sigma * eps``; ``analytic_kl=False`` gives the one-sample estimate
        ``log q(z | x) - log p(z)`` instead of the closed form."""
        mu, logvar = self.encode(x, y)
        e = torch.randn_like(mu) if eps is None else eps
        z = mu + (0.5 * logvar).exp() * e
        rec = self.log_likelihood(x, self.decode_logits(z, y))
        if analytic_kl:
            return rec, gaussian_kl(mu, logvar)
        log_q = -0.5 * (LOG_2PI + logvar + e.pow(2)).sum(-1)
        return rec, log_q - standard_normal_log_density(z)

    def iwae(self, x: torch.Tensor, y: torch.Tensor | None = None, k: int = 5000, *,
             chunk: int | None = None, generator: torch.Generator | None = None,
             eps: torch.Tensor | None = None) -> torch.Tensor:
        """The IWAE bound ``L_k`` of each image of ``x`` (``(B,)``, nats); see
        :func:`~nnzoo.models.generative.iwae.iwae_bound`."""
        mu, logvar = self.encode(x, y)

        def log_joint(z: torch.Tensor) -> torch.Tensor:
            return (self.log_likelihood(x, self.decode_logits(z, y))
                    + standard_normal_log_density(z))

        if chunk is None and eps is None:      # keep a chunk's pixels under 2**23 numbers
            chunk = max(1, min(k, (1 << 23) // max(1, len(x) * math.prod(self.sample_shape))))
        return iwae_bound(mu, logvar, log_joint, k, chunk=chunk, generator=generator, eps=eps)

    def binarize(self, x: torch.Tensor) -> torch.Tensor:
        """A dynamic binarisation ``x ~ Bernoulli(x)`` when configured, else ``x``."""
        return torch.bernoulli(x) if self.config.dynamic_binarization else x

    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x, y = batch
        self.check_values(x)
        y = self.labels_for(x, y)
        x = self.binarize(x)
        rec, kl = self.elbo_terms(x, y)
        loss = (-rec + self.beta * kl).mean()
        return {"loss": loss, "reconstruction": -rec.detach().mean(),
                "kl": kl.detach().mean()}

    @torch.no_grad()
    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x, y = batch
        self.check_values(x)
        y = self.labels_for(x, y)
        g = torch.Generator(device=x.device).manual_seed(0)      # the same draws every call
        mu, logvar = self.encode(x, y)
        e = torch.randn(mu.shape, generator=g, device=mu.device, dtype=mu.dtype)
        rec, kl = self.elbo_terms(x, y, eps=e)
        out = {"loss": (-rec + kl).mean(), "reconstruction": -rec.mean(), "kl": kl.mean()}
        if self.config.iwae_k:
            out["iwae_nll"] = -self.iwae(x, y, self.config.iwae_k, generator=g).mean()
        self.last_images = x[:16].detach().cpu()
        return out

    def codes(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Posterior means ``mu(x)`` (``(B, latent_dim)``), checked only for shape and dtype."""
        self.check(x)
        return self.encode(x, y)[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.codes(x)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """The codes ``mu(x)`` of a batch of images, with every input check."""
        return self.codes(self.check_values(x))

    # -- ImageGenerator ----------------------------------------------------------------------
    def prior(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``n`` codes from ``N(0, I)``."""
        return torch.randn((n, self.latent_dim), generator=generator).to(self.device)

    @torch.no_grad()
    def decode(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """The decoder's mean images for codes ``z``, in [0, 1]."""
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise InputError(f"{self.model_id} decodes codes of shape (n, {self.latent_dim}), "
                             f"got {tuple(z.shape)}")
        out = torch.sigmoid(self.decode_logits(z.to(self.device), labels))
        return out if len(self.sample_shape) == 3 else out.view(len(z), 1, 1, -1)

    def visualize(self, out_dir: Path) -> list[Path]:
        """Samples, interpolations, latent traversals and (once evaluated) reconstructions."""
        return vae_plots.plot_generator(self, Path(out_dir), seed=0,
                                        images=self.last_images)

    def extra_repr(self) -> str:
        return f"latent_dim={self.latent_dim}, decoder={self.config.decoder!r}"


__all__ = ["VAE", "VAEConfig", "Decoder", "Encoder", "gaussian_kl"]
