"""Capsule network with dynamic routing between capsules (CapsNet).

Paper: S. Sabour, N. Frosst, G. E. Hinton, "Dynamic Routing Between Capsules", NeurIPS 2017.
https://arxiv.org/abs/1710.09829 (Sabour et al. 2017)

A capsule is a group of neurons whose output is a vector: its length is the probability that
an entity is present, its orientation the entity's pose. The net:

- Conv1: 256 filters of 9x9, stride 1, ReLU (``conv_channels``, ``conv_kernel``);
- PrimaryCaps: a convolution of 9x9, stride 2 (``primary_kernel``, ``primary_stride``) with
  32 x 8 output channels, read as 32 channels of 8-D capsules (``primary_channels``,
  ``primary_dim``) at every position of its map (6x6 on 28x28 MNIST: 1152 capsules u_i), each
  squashed;
- DigitCaps: one 16-D capsule v_j per class (``digit_dim``). Every primary capsule i (each
  position and channel has its own matrix) predicts every class capsule j,

      u_hat_{j|i} = W_ij u_i                        (W_ij: digit_dim x primary_dim),

  and routing by agreement (Procedure 1, ``routing_iterations`` = 3) mixes the predictions:

      b_ij = 0
      repeat r times:
          c_ij = exp(b_ij) / sum_k exp(b_ik)       (softmax over the parents j)
          s_j  = sum_i c_ij u_hat_{j|i}
          v_j  = squash(s_j) = ||s_j||^2 / (1 + ||s_j||^2) * s_j / ||s_j||
          b_ij = b_ij + u_hat_{j|i} . v_j         (agreement)

  so a child sends its output to the parents whose output its prediction agrees with.
- Scores: the lengths ||v_j||; the prediction is the longest capsule.
- Margin loss: L = sum_k T_k max(0, m+ - ||v_k||)^2
  + lambda (1 - T_k) max(0, ||v_k|| - m-)^2, with m+ = 0.9, m- = 0.1, lambda = 0.5.
- Reconstruction decoder: the DigitCaps outputs with every capsule but
  one set to zero (the true class while training, the longest capsule otherwise) feed dense
  layers of 512 and 1024 ReLU units and C*H*W sigmoid units; its sum of squared errors against
  the input, scaled by 0.0005, is added to the margin loss.

The constants (layers, routing iterations, margin loss, the decoder and its weight 0.0005) are
those of the authors' code (``research/capsules/capsule_model.py``) and the paper; the
learning-rate decay of the authors' code (github.com/Sarasra/models,
``research/capsules/experiment.py``: Adam, lr 1e-3, ``decay_rate`` 0.96 every ``decay_steps``
2000 steps) and the paper's augmentation (shifts of up to 2 pixels with zero padding, ``shift``)
are options here. Unlike the authors' code, the DigitCaps layer has no bias (the paper's
equations have none), so the paper's geometry has 8,215,568 parameters (the paper: "8.2M
parameters and 6.8M parameters without the reconstruction subnetwork")."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from nnzoo.core.config import TrainConfig, build_optimizer, require
from nnzoo.core.errors import UsageError
from nnzoo.models.base import Batch, Classifier, _labelled
from nnzoo.models.registry import register
from nnzoo.models.vision.convnets import min_side_check

#: Added under the square root of ||s||^2 in :func:`squash`, so that s = 0 maps to 0 with a
#: finite gradient (the value changes by a relative 1e-16 / (2 ||s||^2) elsewhere).
SQUASH_EPS = 1e-16


@dataclass
class CapsNetConfig:
    """Hyperparameters of :class:`CapsNet` (defaults: the paper's MNIST net).

    :param sample_shape: shape of one input image ``(C, H, W)``, pixels in [0, 1] (the decoder
        reconstructs them through a sigmoid).
    :param n_classes: number of classes: one DigitCaps capsule each.
    :param conv_channels: filters of Conv1.
    :param conv_kernel: kernel side of Conv1 (stride 1, no padding).
    :param primary_channels: capsule channels of PrimaryCaps.
    :param primary_dim: dimension of a primary capsule.
    :param primary_kernel: kernel side of the PrimaryCaps convolution (no padding).
    :param primary_stride: stride of the PrimaryCaps convolution.
    :param digit_dim: dimension of a DigitCaps capsule.
    :param routing_iterations: iterations of routing by agreement (1 = no routing: uniform
        coupling coefficients).
    :param decoder: widths of the decoder's hidden layers; empty = no decoder.
    :param m_plus: margin loss: a present class is pushed to a length above ``m_plus``.
    :param m_minus: margin loss: an absent class is pushed below ``m_minus``.
    :param lam: margin loss: down-weighting of the absent classes' term.
    :param recon_weight: weight of the reconstruction's sum of squared errors.
    :param shift: training only: each image is shifted by a random whole number of pixels in
        [-shift, shift] along each axis, zero padded (the paper: up to 2).
    :param decay_rate: the learning rate is multiplied by ``decay_rate ** (1 / decay_steps)``
        after every optimiser step, i.e. by ``decay_rate`` every ``decay_steps`` steps
        (TensorFlow's ``exponential_decay``, on top of any engine scheduler); 1.0 = off.
    :param decay_steps: steps over which the learning rate falls by ``decay_rate``.
    """

    sample_shape: tuple[int, ...] = (1, 28, 28)
    n_classes: int = 10
    conv_channels: int = 256
    conv_kernel: int = 9
    primary_channels: int = 32
    primary_dim: int = 8
    primary_kernel: int = 9
    primary_stride: int = 2
    digit_dim: int = 16
    routing_iterations: int = 3
    decoder: tuple[int, ...] = (512, 1024)
    m_plus: float = 0.9
    m_minus: float = 0.1
    lam: float = 0.5
    recon_weight: float = 0.0005
    shift: int = 0
    decay_rate: float = 1.0
    decay_steps: int = 2000

    def __post_init__(self) -> None:
        for name in ("conv_channels", "conv_kernel", "primary_channels", "primary_dim",
                     "primary_kernel", "primary_stride", "digit_dim", "routing_iterations",
                     "decay_steps"):
            val = getattr(self, name)
            require(isinstance(val, int) and val >= 1, f"{name} must be an integer >= 1, got "
                    f"{val!r}")
        require(self.n_classes >= 2, f"n_classes must be >= 2, got {self.n_classes}")
        require(all(w >= 1 for w in self.decoder),
                f"decoder widths must be >= 1, got {self.decoder}")
        require(0 <= self.m_minus < self.m_plus <= 1,
                f"the margins must satisfy 0 <= m_minus < m_plus <= 1, got m_minus = "
                f"{self.m_minus}, m_plus = {self.m_plus}")
        require(self.lam >= 0, f"lam must be >= 0, got {self.lam}")
        require(self.recon_weight >= 0, f"recon_weight must be >= 0, got {self.recon_weight}")
        require(self.shift >= 0, f"shift must be >= 0 pixels, got {self.shift}")
        require(0 < self.decay_rate <= 1, f"decay_rate must be in (0, 1], got {self.decay_rate}")
        min_side_check(self.sample_shape, self.min_side, "capsnet")

    @property
    def min_side(self) -> int:
        """Smallest image side: Conv1 leaves ``H - conv_kernel + 1`` pixels, and PrimaryCaps
        needs at least ``primary_kernel`` of them."""
        return self.conv_kernel + self.primary_kernel - 1

    @property
    def primary_grid(self) -> tuple[int, int]:
        """Height and width of the PrimaryCaps map."""
        def side(n: int) -> int:
            return (n - self.conv_kernel + 1 - self.primary_kernel) // self.primary_stride + 1
        return side(self.sample_shape[1]), side(self.sample_shape[2])

    @property
    def n_primary(self) -> int:
        """Number of primary capsules: channels x map positions (1152 on 28x28 MNIST)."""
        h, w = self.primary_grid
        return self.primary_channels * h * w


def squash(s: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """v = ||s||^2 / (1 + ||s||^2) * s / ||s|| (eq. 1), computed as
    s * ||s|| / (1 + ||s||^2): short vectors shrink to almost 0, long ones to just below 1."""
    sq = (s * s).sum(dim, keepdim=True)
    return s * torch.sqrt(sq + SQUASH_EPS) / (1.0 + sq)


def route(u_hat: torch.Tensor, iterations: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Routing by agreement (Procedure 1).

    :param u_hat: the predictions u_hat_{j|i}, shape (B, N children, K parents, D).
    :param iterations: r, the number of iterations.
    :returns: the parents' outputs v (B, K, D) and the last coupling coefficients c (B, N, K).
    """
    b = u_hat.new_zeros(u_hat.shape[:3])                  # b_ij = 0
    for r in range(iterations):
        c = torch.softmax(b, dim=2)                       # over the parents j
        v = squash((c.unsqueeze(-1) * u_hat).sum(1))      # s_j = sum_i c_ij u_hat_j|i
        if r < iterations - 1:
            b = b + (u_hat * v.unsqueeze(1)).sum(-1)      # b_ij += u_hat_j|i . v_j
    return v, c


def margin_loss(lengths: torch.Tensor, y: torch.Tensor, m_plus: float = 0.9,
                m_minus: float = 0.1, lam: float = 0.5) -> torch.Tensor:
    """Eq. 4 summed over the classes, averaged over the batch.

    :param lengths: ||v_k||, shape (B, K).
    :param y: class indices (B,).
    """
    t = F.one_hot(y, lengths.shape[1]).to(lengths.dtype)
    present = t * F.relu(m_plus - lengths) ** 2
    absent = lam * (1 - t) * F.relu(lengths - m_minus) ** 2
    return (present + absent).sum(1).mean()


def random_shift(x: torch.Tensor, shift: int) -> torch.Tensor:
    """Each image of ``x`` (B, C, H, W) moved by its own random (dy, dx) in [-shift, shift]^2,
    with zeros where nothing moves in (torch's random generator of ``x``'s device)."""
    if shift == 0:
        return x
    b, _, h, w = x.shape
    padded = F.pad(x, (shift, shift, shift, shift))
    off = torch.randint(0, 2 * shift + 1, (2, b), device=x.device)  # top-left corners
    rows = off[0, :, None] + torch.arange(h, device=x.device)      # (B, H)
    cols = off[1, :, None] + torch.arange(w, device=x.device)      # (B, W)
    idx = torch.arange(b, device=x.device)[:, None, None]
    return padded.permute(0, 2, 3, 1)[idx, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)


class PrimaryCaps(nn.Module):
    """A convolution whose output channels are read as capsules: (B, C_in, H, W) ->
    (B, N = channels * h * w, dim), squashed. Capsule i = (channel, y, x) in that order."""

    def __init__(self, c_in: int, channels: int, dim: int, kernel: int, stride: int) -> None:
        super().__init__()
        self.channels, self.dim = channels, dim
        self.conv = nn.Conv2d(c_in, channels * dim, kernel, stride)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        out = self.conv(h)                                   # (B, channels * dim, h, w)
        b, _, gh, gw = out.shape
        out = out.view(b, self.channels, self.dim, gh, gw).permute(0, 1, 3, 4, 2)
        return squash(out.reshape(b, -1, self.dim))


class DigitCaps(nn.Module):
    """One matrix W_ij per (primary capsule i, class j): u_hat_{j|i} = W_ij u_i, then routing.

    :param n_in: number of primary capsules N.
    """

    def __init__(self, n_in: int, d_in: int, n_out: int, d_out: int, iterations: int) -> None:
        super().__init__()
        self.iterations = iterations
        # small initial matrices: the first predictions, and so the first capsules, are short
        self.weight = nn.Parameter(0.01 * torch.randn(n_in, n_out, d_out, d_in))

    def forward(self, u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, N, d_in) -> v (B, K, d_out) and the coupling coefficients c (B, N, K)."""
        u_hat = torch.einsum("nkoi,bni->bnko", self.weight, u)
        return route(u_hat, self.iterations)


@register("capsnet", config=CapsNetConfig, rule="backpropagation through routing by agreement",
          peer="the published MNIST test errors (the paper's 0.25 %, public reproductions' "
               "0.34-0.36 %)",
          reference="https://github.com/Sarasra/models/tree/master/research/capsules")
class CapsNet(Classifier[CapsNetConfig]):
    """Conv1 -> PrimaryCaps -> DigitCaps (routing by agreement) -> capsule lengths, and the
    reconstruction decoder on the masked DigitCaps.

    ``forward`` returns the lengths ||v_j|| (B, K): the class scores, the longest the
    prediction.

    :param config: a :class:`CapsNetConfig`.
    """

    def __init__(self, config: CapsNetConfig) -> None:
        super().__init__(config)
        cfg = config
        c, h, w = cfg.sample_shape
        self.conv1 = nn.Conv2d(c, cfg.conv_channels, cfg.conv_kernel)
        self.primary = PrimaryCaps(cfg.conv_channels, cfg.primary_channels, cfg.primary_dim,
                                   cfg.primary_kernel, cfg.primary_stride)
        self.digits = DigitCaps(cfg.n_primary, cfg.primary_dim, cfg.n_classes, cfg.digit_dim,
                                cfg.routing_iterations)
        layers: list[nn.Module] = []
        width = cfg.n_classes * cfg.digit_dim
        for hidden in cfg.decoder:
            layers += [nn.Linear(width, hidden), nn.ReLU(inplace=True)]
            width = hidden
        self.decoder = (nn.Sequential(*layers, nn.Linear(width, c * h * w), nn.Sigmoid())
                        if cfg.decoder else None)
        #: a few images of the last evaluated batch, for the plots
        self.last_images: torch.Tensor | None = None

    def capsules(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The DigitCaps outputs v (B, K, digit_dim) and coupling coefficients c (B, N, K)."""
        u = self.primary(F.relu(self.conv1(x)))
        return self.digits(u)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check(x)
        v, _ = self.capsules(x)
        return v.norm(dim=-1)

    def decode(self, v: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Reconstruct images (B, C, H, W) from the capsules of ``labels`` only: every other
        capsule of ``v`` (B, K, D) is multiplied by 0 before the decoder sees it.

        :raises UsageError: when the net was built without a decoder.
        """
        if self.decoder is None:
            raise UsageError("this capsnet has no decoder (decoder=()): nothing to reconstruct "
                             "with")
        mask = F.one_hot(labels, v.shape[1]).to(v.dtype)
        out = self.decoder((v * mask.unsqueeze(-1)).flatten(1))
        return out.view(-1, *self.config.sample_shape)

    def _losses(self, x: torch.Tensor, y: torch.Tensor, train: bool) -> dict[str, torch.Tensor]:
        cfg = self.config
        v, _ = self.capsules(x)
        lengths = v.norm(dim=-1)
        margin = margin_loss(lengths, y, cfg.m_plus, cfg.m_minus, cfg.lam)
        out = {"margin_loss": margin,
               "accuracy": (lengths.detach().argmax(1) == y).float().mean()}
        loss = margin
        if self.decoder is not None:
            mask = y if train else lengths.detach().argmax(1)  # true class / longest capsule
            sse = ((self.decode(v, mask) - x) ** 2).flatten(1).sum(1).mean()
            out["reconstruction_sse"] = sse
            loss = margin + cfg.recon_weight * sse
        out["loss"] = loss
        return out

    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Margin loss + ``recon_weight`` x the decoder's sum of squared errors (decoder fed
        the true class's capsule), on randomly shifted images when ``shift`` > 0."""
        x, y = _labelled(batch, self.model_id)
        self.check(x)
        out = self._losses(random_shift(x, self.config.shift), y, train=True)
        return {k: (v if k == "loss" else v.detach()) for k, v in out.items()}

    @torch.no_grad()
    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        """The same losses, the decoder fed the longest capsule."""
        x, y = _labelled(batch, self.model_id)
        self.check(x)
        self.last_images = x[:16].detach().cpu()
        return self._losses(x, y, train=False)

    def configure_optimizers(self, cfg: TrainConfig) -> list[torch.optim.Optimizer]:
        """The engine's optimiser; with ``decay_rate`` < 1 a step hook that multiplies every
        group's rate by ``decay_rate ** (1 / decay_steps)`` after each step (the rate lives in
        the optimiser's state, so a resumed run continues the decay where it stopped)."""
        opt = build_optimizer([p for p in self.parameters() if p.requires_grad], cfg)
        if self.config.decay_rate < 1:
            opt.register_step_post_hook(_ExponentialDecay(
                self.config.decay_rate ** (1 / self.config.decay_steps)))
        return [opt]

    def visualize(self, out_dir: Path) -> list[Path]:
        """First-layer filters; with evaluated images, reconstructions beside the inputs and
        the coupling coefficients (``capsnet_plots``)."""
        from nnzoo.models.vision import capsnet_plots  # noqa: PLC0415  (matplotlib, on demand)

        return capsnet_plots.plot_all(self, Path(out_dir), self.last_images)


class _ExponentialDecay:
    """Optimiser step post-hook: every group's learning rate times ``factor``."""

    def __init__(self, factor: float) -> None:
        self.factor = factor

    def __call__(self, opt: torch.optim.Optimizer, *_: Any) -> None:
        for group in opt.param_groups:
            group["lr"] *= self.factor


__all__ = ["CapsNet", "CapsNetConfig", "DigitCaps", "PrimaryCaps", "margin_loss", "random_shift",
           "route", "squash"]
