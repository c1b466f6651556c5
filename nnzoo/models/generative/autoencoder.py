"""What the autoencoders share: the config, the encoder and decoder, the losses, the noise.

The plain (:mod:`~nnzoo.models.generative.ae`), deep
(:mod:`~nnzoo.models.generative.deep_ae`), sparse (:mod:`~nnzoo.models.generative.sae`) and
denoising (:mod:`~nnzoo.models.generative.dae`) autoencoders are this module's
:class:`Autoencoder` with one hook changed each: a penalty on the code (sparse), a
corruption of the input (denoising), a pre-training of the weights (deep).

The math. An encoder ``f`` maps an input ``x`` (D values) to a code ``z = f(x)`` (``latent``
values) and a decoder ``g`` maps the code to the output's natural parameters ``a = g(z)``
(D values). Fully connected (``arch="mlp"``): ``h_1 = act(W_1 x + c_1)``, ...,
``z = code_act(W_L h_{L-1} + c_L)``, and the decoder mirrors the widths. Convolutional
(``arch="conv"``): 3x3 convolutions of stride 2 (each halves height and width) before the
fully connected layers, and 3x3 transposed convolutions of stride 2 after them in the
decoder. The reconstruction loss is the negative log-likelihood of ``x`` under the
decoder's distribution, summed over the D values and averaged over the batch:

- Bernoulli (``loss="bernoulli"``, ``x`` in [0, 1]): the cross-entropy
  ``-sum_i [x_i log s(a_i) + (1 - x_i) log(1 - s(a_i))]`` with ``s`` the logistic sigmoid;
  the reconstruction is ``s(a)``;
- Gaussian (``loss="gaussian"``, real ``x``): unit variance,
  ``1/2 sum_i (x_i - a_i)^2`` (the NLL up to the constant ``D/2 log 2 pi``); the
  reconstruction is ``a``.

Training minimises the mean of ``loss(g(f(x~)), x) + penalty(z)`` over minibatches, where
``x~`` is the input after :meth:`Autoencoder.corrupt` (``x`` itself but for the denoising
autoencoder) and ``penalty`` is 0 but for the sparse one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import torch
import torch.nn.functional as F
from torch import nn

from nnzoo.core.config import require
from nnzoo.core.errors import InputError
from nnzoo.models.base import Batch, ZooModule

Activation = Literal["relu", "sigmoid", "tanh", "linear"]
Loss = Literal["bernoulli", "gaussian"]
Corruption = Literal["masking", "gaussian", "salt-pepper"]

#: How many training images an autoencoder keeps to draw its reconstructions.
GALLERY = 16


def activation(name: str) -> nn.Module:
    """The module of a unit name: ``relu``, ``sigmoid``, ``tanh`` or ``linear`` (identity)."""
    return {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh,
            "linear": nn.Identity}[name]()


@dataclass
class AutoencoderConfig:
    """Hyperparameters every autoencoder shares (each model's config adds its own).

    :param sample_shape: shape of one input sample; ``(C, H, W)`` for ``arch="conv"``.
    :param arch: ``mlp`` (fully connected) or ``conv`` (strided convolutions, then fully
        connected layers).
    :param hidden: widths of the encoder's fully connected hidden layers, input side first
        (the decoder mirrors them); may be empty.
    :param latent: the size of the code (> 0).
    :param channels: output channels of the encoder's convolutions (``conv`` only); each
        halves height and width, so both must divide by ``2 ** len(channels)``.
    :param activation: unit of the hidden layers (encoder and decoder).
    :param code_activation: unit of the code layer.
    :param loss: ``bernoulli`` (cross-entropy; inputs must lie in [0, 1]) or ``gaussian``
        (squared error).
    """

    sample_shape: tuple[int, ...] = (1, 8, 8)
    arch: Literal["mlp", "conv"] = "mlp"
    hidden: tuple[int, ...] = ()
    latent: int = 16
    channels: tuple[int, ...] = (16, 32)
    activation: Activation = "relu"
    code_activation: Activation = "linear"
    loss: Loss = "bernoulli"

    def __post_init__(self) -> None:
        require(isinstance(self.sample_shape, tuple) and len(self.sample_shape) >= 1
                and all(isinstance(s, int) and s >= 1 for s in self.sample_shape),
                f"sample_shape must be positive sizes, got {self.sample_shape!r}")
        require(self.arch in ("mlp", "conv"), f"arch must be mlp or conv, got {self.arch!r}")
        require(isinstance(self.hidden, tuple)
                and all(isinstance(h, int) and h >= 1 for h in self.hidden),
                f"every width in hidden must be >= 1, got {self.hidden!r}")
        require(isinstance(self.latent, int) and self.latent >= 1,
                f"latent (the code size) must be >= 1, got {self.latent}")
        for name in ("activation", "code_activation"):
            require(getattr(self, name) in ("relu", "sigmoid", "tanh", "linear"),
                    f"{name} must be relu, sigmoid, tanh or linear, got {getattr(self, name)!r}")
        require(self.loss in ("bernoulli", "gaussian"),
                f"loss must be bernoulli or gaussian, got {self.loss!r}")
        if self.arch == "conv":
            require(len(self.sample_shape) == 3,
                    f"arch='conv' needs images (C, H, W), got sample_shape {self.sample_shape}")
            require(len(self.channels) >= 1 and all(c >= 1 for c in self.channels),
                    f"channels must list at least one positive width, got {self.channels!r}")
            f = 2 ** len(self.channels)
            require(self.sample_shape[1] % f == 0 and self.sample_shape[2] % f == 0,
                    f"arch='conv' with {len(self.channels)} stride-2 convolutions needs height "
                    f"and width divisible by {f}, got {self.sample_shape[1:]}")

    @property
    def n_inputs(self) -> int:
        """D, the number of values of one sample."""
        return math.prod(self.sample_shape)


# -- losses and noise ---------------------------------------------------------------------------

def reconstruction_loss(a: torch.Tensor, x: torch.Tensor, kind: str) -> torch.Tensor:
    """Per-sample negative log-likelihood (B,) of targets ``x`` under natural parameters
    ``a`` (both ``(B, ...)``): Bernoulli cross-entropy with logits ``a``, or the unit-variance
    Gaussian's ``1/2 |x - a|^2``, summed over every value of a sample."""
    if kind == "bernoulli":
        nll = F.binary_cross_entropy_with_logits(a, x, reduction="none")
    else:
        nll = 0.5 * (x - a).pow(2)
    return nll.flatten(1).sum(1)


def kl_sparsity(rho: float, rho_hat: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Sum over units of ``KL(rho || rho_hat_j) = rho log(rho / rho_hat_j) + (1 - rho)
    log((1 - rho) / (1 - rho_hat_j))``, the divergence between Bernoulli variables of means
    ``rho`` and ``rho_hat_j`` (``rho_hat`` clamped to [eps, 1 - eps])."""
    r = rho_hat.clamp(eps, 1 - eps)
    return (rho * torch.log(rho / r) + (1 - rho) * torch.log((1 - rho) / (1 - r))).sum()


def corrupt(x: torch.Tensor, kind: str, level: float,
            generator: torch.Generator | None = None) -> torch.Tensor:
    """A corrupted copy of ``x`` (Vincent et al. 2010, section 3.3).

    - ``masking``: each value is set to 0 with probability ``level``;
    - ``salt-pepper``: each value is, with probability ``level``, set to 0 or 1 by a fair
      coin (the minimum or maximum of data in [0, 1]);
    - ``gaussian``: ``x + level * N(0, 1)`` (additive isotropic noise of deviation ``level``).

    :raises InputError: for a level outside [0, 1) or an unknown kind.
    """
    if not 0 <= level < 1:
        raise InputError(f"corruption level must be in [0, 1), got {level}")
    if level == 0:
        return x
    u = torch.rand(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    if kind == "masking":
        return x * (u >= level)
    if kind == "salt-pepper":
        coin = torch.rand(x.shape, generator=generator, device=x.device, dtype=x.dtype)
        return torch.where(u < level, (coin < 0.5).to(x.dtype), x)
    if kind == "gaussian":
        noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
        return x + level * noise
    raise InputError(f"corruption must be masking, gaussian or salt-pepper, got {kind!r}")


def check_bernoulli_data(x: torch.Tensor, name: str) -> None:
    """Targets of a Bernoulli decoder lie in [0, 1].

    :raises InputError: naming the range found and the Gaussian alternative.
    """
    if x.numel() and (bool((x < 0).any()) or bool((x > 1).any())):
        raise InputError(
            f"{name} must hold values in [0, 1] for a Bernoulli decoder (loss='bernoulli'), "
            f"got values in [{float(x.min()):.4g}, {float(x.max()):.4g}] (scale the data to "
            "[0, 1], or use loss='gaussian')")


# -- the encoder and the decoder --------------------------------------------------------------

class DenseStack(nn.Module):
    """Fully connected layers ``widths[0] -> widths[1] -> ...``: ``act`` after each but the
    last, ``last_act`` after the last."""

    layers: nn.ModuleList

    def __init__(self, widths: tuple[int, ...], act: str, last_act: str) -> None:
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.act, self.last_act = activation(act), activation(last_act)

    def forward(self, a: torch.Tensor) -> torch.Tensor:
        for i, lin in enumerate(self.layers):
            a = lin(a)
            a = self.last_act(a) if i == len(self.layers) - 1 else self.act(a)
        return a


class Encoder(nn.Module):
    """``x -> z``: strided 3x3 convolutions (``conv``), then the fully connected layers to the
    code."""

    dense: DenseStack
    convs: nn.Sequential

    def __init__(self, cfg: AutoencoderConfig) -> None:
        super().__init__()
        convs: list[nn.Module] = []
        flat = cfg.n_inputs
        if cfg.arch == "conv":
            c, h, w = cfg.sample_shape
            for out in cfg.channels:                            # (c, h, w) -> (out, h/2, w/2)
                convs += [nn.Conv2d(c, out, 3, stride=2, padding=1), activation(cfg.activation)]
                c, h, w = out, h // 2, w // 2
            flat = c * h * w
        self.convs = nn.Sequential(*convs)
        self.dense = DenseStack((flat, *cfg.hidden, cfg.latent), cfg.activation,
                                cfg.code_activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dense(self.convs(x).flatten(1))            # z  (B, latent)


class Decoder(nn.Module):
    """``z -> a``: the fully connected layers mirrored, then (``conv``) 3x3 transposed
    convolutions of stride 2 back to the image; ``a`` are the output's natural parameters
    (logits for Bernoulli, means for Gaussian), shape ``(B, *sample_shape)``."""

    def __init__(self, cfg: AutoencoderConfig) -> None:
        super().__init__()
        self.sample_shape = cfg.sample_shape
        deconvs: list[nn.Module] = []
        if cfg.arch == "conv":
            c, h, w = cfg.sample_shape
            f = 2 ** len(cfg.channels)
            self.grid: tuple[int, ...] = (cfg.channels[-1], h // f, w // f)
            chans = (c, *cfg.channels)
            for i in range(len(cfg.channels), 0, -1):          # (c_i, h, w) -> (c_{i-1}, 2h, 2w)
                deconvs.append(nn.ConvTranspose2d(chans[i], chans[i - 1], 3, stride=2,
                                                  padding=1, output_padding=1))
                if i > 1:
                    deconvs.append(activation(cfg.activation))
            self.dense = DenseStack((cfg.latent, *cfg.hidden[::-1], math.prod(self.grid)),
                                    cfg.activation, cfg.activation)
        else:
            self.grid = ()
            self.dense = DenseStack((cfg.latent, *cfg.hidden[::-1], cfg.n_inputs),
                                    cfg.activation, "linear")
        self.deconvs = nn.Sequential(*deconvs)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        a = self.dense(z)
        if self.grid:
            a = self.deconvs(a.reshape(-1, *self.grid))
        return a.reshape(-1, *self.sample_shape)


# -- the model -------------------------------------------------------------------------------

#: The config of an autoencoder (:class:`AutoencoderConfig` or a model's subclass of it).
AC = TypeVar("AC", bound=AutoencoderConfig)


class Autoencoder(ZooModule[AC]):
    """An autoencoder trained by backprop on its reconstruction loss (the base of the four
    registered ones; see the module docstring).

    ``forward(x)`` returns the reconstruction (the decoder's means, ``(B, *sample_shape)``);
    :meth:`encode` the code and :meth:`predict` the code with every input check.

    :param config: an :class:`AutoencoderConfig` (or a subclass).
    """

    fitted: torch.Tensor                                                   # buffers
    gallery: torch.Tensor
    encoder: Encoder

    def __init__(self, config: AC) -> None:
        super().__init__(config)
        self.encoder = Encoder(config)
        self.decoder = self.build_decoder(config)
        self.register_buffer("fitted", torch.zeros((), dtype=torch.bool))
        self.register_buffer("gallery", torch.zeros(GALLERY, *config.sample_shape))

    @property
    def bernoulli(self) -> bool:
        return self.config.loss == "bernoulli"

    # -- hooks of the variants ----------------------------------------------------------------

    def build_decoder(self, config: AC) -> nn.Module:
        """The decoder module (the stacked denoising autoencoder keeps one per layer)."""
        return Decoder(config)

    def corrupt(self, x: torch.Tensor) -> torch.Tensor:
        """The input the encoder sees in training (the denoising autoencoder corrupts it)."""
        return x

    def penalty(self, z: torch.Tensor) -> dict[str, torch.Tensor]:
        """Terms added to the loss for codes ``z`` (the sparse autoencoder's); none here."""
        return {}

    # -- the network ----------------------------------------------------------------------------

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The code ``z = f(x)`` (B, latent)."""
        return self.encoder(self.check(x))

    def mean(self, a: torch.Tensor) -> torch.Tensor:
        """The reconstruction from the decoder's natural parameters: ``s(a)`` or ``a``."""
        return torch.sigmoid(a) if self.bernoulli else a

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The reconstruction ``E[x | z = f(x)]`` (B, *sample_shape)."""
        return self.mean(self.decoder(self.encode(x)))

    def _checked(self, x: torch.Tensor) -> torch.Tensor:
        self.check(x, finite=True)
        if self.bernoulli:
            check_bernoulli_data(x, f"{self.model_id} input")
        return x

    def objective(self, x: torch.Tensor, x_in: torch.Tensor) -> dict[str, torch.Tensor]:
        """Loss terms of targets ``x`` reconstructed from encoder inputs ``x_in``: ``loss``
        (the mean of reconstruction + penalties), ``recon`` (the mean NLL per sample),
        ``mse`` (per value) and each penalty."""
        z = self.encoder(x_in)
        a = self.decoder(z)
        recon = reconstruction_loss(a, x, self.config.loss).mean()
        terms = self.penalty(z)
        loss = recon + sum(terms.values(), torch.zeros((), device=x.device))
        mse = (self.mean(a.detach()) - x).pow(2).mean()
        return {"loss": loss, "recon": recon.detach(), "mse": mse,
                **{k: v.detach() for k, v in terms.items()}}

    def on_fit_start(self, X: torch.Tensor, seed: int = 0) -> None:
        """Keep the first :data:`GALLERY` training images for the reconstruction plot."""
        self._keep(X)

    def _keep(self, X: torch.Tensor) -> None:
        if not bool(self.fitted):
            n = min(GALLERY, len(X))
            with torch.no_grad():
                self.gallery[:n].copy_(X[:n].to(self.gallery))

    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """One step on the reconstruction loss (+ penalties) of a batch; labels unused."""
        x = self._checked(batch[0])
        self._keep(x)
        self.fitted.fill_(True)
        return self.objective(x, self.corrupt(x))

    @torch.no_grad()
    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Mean loss terms on clean inputs (no corruption)."""
        x = self._checked(batch[0])
        return self.objective(x, x)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """The codes (B, latent), with every input check (finite; [0, 1] for Bernoulli)."""
        return self.encoder(self._checked(x))

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """The reconstructions of ``x`` (checked), ``(B, *sample_shape)``."""
        return self.mean(self.decoder(self.encoder(self._checked(x))))

    def visualize(self, out_dir: Path) -> list[Path]:
        """The first layer's filters and, once trained, reconstructions beside inputs."""
        from nnzoo.models.generative import autoencoder_plots

        return autoencoder_plots.plot_autoencoder(self, Path(out_dir))


def first_filters(model: Autoencoder[Any]) -> torch.Tensor | None:
    """The encoder's first-layer filters as images (K, h, w): the first convolution's kernels
    (first input channel) or the first dense layer's rows reshaped to the input image; None
    when a dense layer's inputs form no image."""
    enc = model.encoder
    if len(enc.convs):
        conv = enc.convs[0]
        assert isinstance(conv, nn.Conv2d)
        return conv.weight[:, 0].detach().float().cpu()
    first = enc.dense.layers[0]
    assert isinstance(first, nn.Linear)
    w = first.weight.detach().float().cpu()                             # (H_1, D)
    shape = tuple(s for s in model.sample_shape if s != 1)
    if len(shape) != 2:
        r = math.isqrt(w.shape[1])
        if r * r != w.shape[1]:
            return None
        shape = (r, r)
    return w.reshape(-1, *shape)


__all__ = ["Autoencoder", "AutoencoderConfig", "Decoder", "DenseStack", "Encoder",
           "check_bernoulli_data", "corrupt", "first_filters", "kl_sparsity",
           "reconstruction_loss"]
