"""Matrix capsules with EM routing.

Paper: G. E. Hinton, S. Sabour, N. Frosst, "Matrix capsules with EM routing", ICLR 2018
(Hinton et al. 2018). https://openreview.net/forum?id=HJWLfGWRb

Each capsule has a 4x4 pose matrix M and an activation a in (0, 1). A child capsule i votes
for the pose of each parent j through a learned 4x4 transformation, V_ij = M_i W_ij, and the
parents are fitted to the votes as the clusters of a Gaussian mixture by EM (Procedure 1):

    R_ij = 1 / |parents|
    repeat r times:
        M-step, for each parent j (the votes weighted by R_ij a_i):
            mu_j^h      = sum_i R_ij a_i V_ij^h / sum_i R_ij a_i
            sigma_j^h^2 = sum_i R_ij a_i (V_ij^h - mu_j^h)^2 / sum_i R_ij a_i
            cost_j^h    = (beta_u + log sigma_j^h) sum_i R_ij a_i
            a_j         = logistic(lambda (beta_a - sum_h cost_j^h))
        E-step (not after the last M-step), for each child i:
            p_ij = prod_h N(V_ij^h; mu_j^h, sigma_j^h^2)
            R_ij = a_j p_ij / sum_k a_k p_ik

so a parent is active when its votes agree (small sigma), and a child is given to the parents
that explain its vote. The parent's pose is mu_j. ``beta_u`` and ``beta_a`` are learned, one
of each per parent capsule type; lambda, the inverse temperature, rises over the iterations
(here linearly, ``inverse_temperature`` (t + 1) / r at iteration t: the paper fixes a schedule
without giving it).

The net: ReLU Conv1 (A filters of 5x5, stride 2) -> PrimaryCaps (a 1x1 convolution
to B capsule types: 16 pose values and a logistic activation each) -> ConvCaps1 (3x3, stride
2, C types) -> ConvCaps2 (3x3, stride 1, D types) -> Class Capsules, one per class, whose
activations are the scores. The class capsules share their transformation matrices across
positions and add the scaled coordinates of each child's position to the first two entries of
the right-hand column of its vote ("coordinate addition"). Loss: the spread loss
sum_{i != t} max(0, m - (a_t - a_i))^2, the margin m rising linearly from 0.2 to 0.9 over
``margin_steps`` training steps.

One simplification, as in most public re-implementations: in a convolutional capsule layer
each output position routes only the K x K x types children of its own window (the paper
normalises a child's R over every parent in every window it feeds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from nnzoo.core.config import require
from nnzoo.models.base import Batch, Classifier, _labelled
from nnzoo.models.registry import register
from nnzoo.models.vision.convnets import min_side_check

#: Floor of the variances sigma^2 and of the weights' sums in the M-step.
EPS = 1e-6


@dataclass
class EMCapsulesConfig:
    """Hyperparameters of :class:`EMCapsules` (defaults: a small net for 28x28 images).

    :param sample_shape: shape of one input image ``(C, H, W)``.
    :param n_classes: number of classes: one class capsule each.
    :param conv_channels: A, filters of Conv1.
    :param conv_kernel: Conv1's kernel side (no padding).
    :param conv_stride: Conv1's stride.
    :param primary_types: B, capsule types of PrimaryCaps.
    :param conv_caps: the convolutional capsule layers, as consecutive (kernel, stride, types)
        triples; the paper's ``(3, 2, C, 3, 1, D)``; empty: the class capsules read PrimaryCaps.
    :param routing_iterations: EM iterations r.
    :param inverse_temperature: lambda of the last iteration.
    :param margin_steps: training steps over which the spread loss's margin rises from 0.2 to
        0.9.
    """

    sample_shape: tuple[int, ...] = (1, 28, 28)
    n_classes: int = 10
    conv_channels: int = 32
    conv_kernel: int = 5
    conv_stride: int = 2
    primary_types: int = 8
    conv_caps: tuple[int, ...] = (3, 2, 16, 3, 1, 16)
    routing_iterations: int = 3
    inverse_temperature: float = 0.01
    margin_steps: int = 2000

    def __post_init__(self) -> None:
        for name in ("conv_channels", "conv_kernel", "conv_stride", "primary_types",
                     "routing_iterations", "margin_steps"):
            val = getattr(self, name)
            require(isinstance(val, int) and val >= 1, f"{name} must be an integer >= 1, got "
                    f"{val!r}")
        require(self.n_classes >= 2, f"n_classes must be >= 2, got {self.n_classes}")
        require(len(self.conv_caps) % 3 == 0 and all(v >= 1 for v in self.conv_caps),
                f"conv_caps must hold (kernel, stride, types) triples of positive integers, "
                f"got {self.conv_caps}")
        require(self.inverse_temperature > 0,
                f"inverse_temperature must be > 0, got {self.inverse_temperature}")
        min_side_check(self.sample_shape, self.min_side, "em-capsules")

    @property
    def layers(self) -> list[tuple[int, int, int]]:
        """``conv_caps`` as (kernel, stride, types) triples."""
        c = self.conv_caps
        return [(c[i], c[i + 1], c[i + 2]) for i in range(0, len(c), 3)]

    def sides(self, n: int) -> list[int]:
        """The map side after Conv1 and after each convolutional capsule layer, for an image
        side ``n`` (a side below 1: too small)."""
        out = [(n - self.conv_kernel) // self.conv_stride + 1]
        for k, s, _ in self.layers:
            out.append((out[-1] - k) // s + 1 if out[-1] >= k else 0)
        return out

    @property
    def min_side(self) -> int:
        """Smallest image side for which every map keeps at least one position."""
        n = self.conv_kernel
        while min(self.sides(n)) < 1:
            n += 1
        return n


def em_route(votes: torch.Tensor, a_in: torch.Tensor, beta_u: torch.Tensor,
             beta_a: torch.Tensor, iterations: int, inverse_temperature: float
             ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """EM routing (Procedure 1 of the paper; see the module docstring).

    :param votes: V_ij, shape (G groups, N children, K parents, P pose values).
    :param a_in: the children's activations (G, N).
    :param beta_u: per-parent cost offset (K,); :param beta_a: per-parent activation offset (K,).
    :returns: the parents' poses mu (G, K, P), activations a (G, K) and the last assignment
        probabilities R (G, N, K).
    """
    g, n, k, _ = votes.shape
    r = votes.new_full((g, n, k), 1.0 / k)
    for t in range(iterations):
        lam = inverse_temperature * (t + 1) / iterations
        ra = r * a_in.unsqueeze(-1)                                    # R_ij a_i
        weight = ra.sum(1) + EPS                                       # (G, K)
        mu = (ra.unsqueeze(-1) * votes).sum(1) / weight.unsqueeze(-1)  # (G, K, P)
        var = (ra.unsqueeze(-1) * (votes - mu.unsqueeze(1)) ** 2).sum(1) \
            / weight.unsqueeze(-1) + EPS
        cost = (beta_u.unsqueeze(-1) + 0.5 * torch.log(var)) * weight.unsqueeze(-1)
        a_out = torch.sigmoid(lam * (beta_a - cost.sum(-1)))           # (G, K)
        if t < iterations - 1:
            log_p = -0.5 * ((votes - mu.unsqueeze(1)) ** 2 / var.unsqueeze(1)
                            + torch.log(2 * math.pi * var.unsqueeze(1))).sum(-1)
            r = torch.softmax(torch.log(a_out + EPS).unsqueeze(1) + log_p, dim=2)
    return mu, a_out, r


def spread_loss(a: torch.Tensor, y: torch.Tensor, margin: float) -> torch.Tensor:
    """sum_{i != t} max(0, m - (a_t - a_i))^2, averaged over the batch.

    :param a: class activations (B, K); :param y: targets (B,).
    """
    a_t = a.gather(1, y.unsqueeze(1))
    gap = F.relu(margin - (a_t - a)) ** 2
    return gap.scatter(1, y.unsqueeze(1), 0.0).sum(1).mean()


class ConvCaps(nn.Module):
    """Capsules of each K x K window vote for ``types_out`` capsules at one output position;
    EM routing over the window's K K types_in children."""

    def __init__(self, types_in: int, types_out: int, kernel: int, stride: int,
                 iterations: int, inverse_temperature: float) -> None:
        super().__init__()
        self.k, self.stride = kernel, stride
        self.iterations, self.inverse_temperature = iterations, inverse_temperature
        self.weight = nn.Parameter(torch.randn(kernel * kernel * types_in, types_out, 4, 4)
                                   / 4 + torch.eye(4))
        self.beta_u = nn.Parameter(torch.zeros(types_out))
        self.beta_a = nn.Parameter(torch.zeros(types_out))

    def forward(self, pose: torch.Tensor, a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, H, W, T, 16), (B, H, W, T) -> (B, H', W', T', 16), (B, H', W', T')."""
        k, s = self.k, self.stride
        p = pose.unfold(1, k, s).unfold(2, k, s)                # (B, H', W', T, 16, k, k)
        b, h, w, t = p.shape[:4]
        p = p.permute(0, 1, 2, 5, 6, 3, 4).reshape(b * h * w, k * k * t, 4, 4)
        act = a.unfold(1, k, s).unfold(2, k, s).permute(0, 1, 2, 4, 5, 3)
        votes = torch.einsum("gnab,nobc->gnoac", p, self.weight).flatten(-2)
        mu, a_out, _ = em_route(votes, act.reshape(b * h * w, -1), self.beta_u, self.beta_a,
                                self.iterations, self.inverse_temperature)
        return mu.view(b, h, w, -1, 16), a_out.view(b, h, w, -1)


class ClassCaps(nn.Module):
    """One capsule per class; the matrices are shared across positions, and the scaled
    centre (row, column) of each child's position is added to its vote's entries (0, 3) and
    (1, 3): coordinate addition."""

    def __init__(self, types_in: int, n_classes: int, iterations: int,
                 inverse_temperature: float) -> None:
        super().__init__()
        self.iterations, self.inverse_temperature = iterations, inverse_temperature
        self.weight = nn.Parameter(torch.randn(types_in, n_classes, 4, 4) / 4 + torch.eye(4))
        self.beta_u = nn.Parameter(torch.zeros(n_classes))
        self.beta_a = nn.Parameter(torch.zeros(n_classes))

    def forward(self, pose: torch.Tensor, a: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Class poses (B, K, 16), activations (B, K) and R (B, H W T, K)."""
        b, h, w, t, _ = pose.shape
        votes = torch.einsum("bhwtac,tkcd->bhwtkad", pose.view(b, h, w, t, 4, 4), self.weight)
        rows = (torch.arange(h, device=pose.device, dtype=pose.dtype) + 0.5) / h
        cols = (torch.arange(w, device=pose.device, dtype=pose.dtype) + 0.5) / w
        coord = torch.zeros(h, w, 1, 1, 4, 4, device=pose.device, dtype=pose.dtype)
        coord[:, :, 0, 0, 0, 3] = rows[:, None]
        coord[:, :, 0, 0, 1, 3] = cols[None, :]
        votes = (votes + coord).reshape(b, h * w * t, -1, 16)
        return em_route(votes, a.reshape(b, -1), self.beta_u, self.beta_a, self.iterations,
                        self.inverse_temperature)


@register("em-capsules", config=EMCapsulesConfig, rule="backpropagation through EM routing",
          peer="nnzoo's capsnet (dynamic routing) on the same data",
          reference="https://openreview.net/forum?id=HJWLfGWRb")
class EMCapsules(Classifier[EMCapsulesConfig]):
    """Conv1 -> PrimaryCaps -> ConvCaps... -> Class Capsules; ``forward`` returns the class
    capsules' activations (B, K), the largest the prediction.

    :param config: an :class:`EMCapsulesConfig`.
    """

    steps: torch.Tensor

    def __init__(self, config: EMCapsulesConfig) -> None:
        super().__init__(config)
        cfg = config
        self.conv1 = nn.Conv2d(cfg.sample_shape[0], cfg.conv_channels, cfg.conv_kernel,
                               cfg.conv_stride)
        self.primary_pose = nn.Conv2d(cfg.conv_channels, cfg.primary_types * 16, 1)
        self.primary_act = nn.Conv2d(cfg.conv_channels, cfg.primary_types, 1)
        layers, t = [], cfg.primary_types
        for k, s, t_out in cfg.layers:
            layers.append(ConvCaps(t, t_out, k, s, cfg.routing_iterations,
                                   cfg.inverse_temperature))
            t = t_out
        self.caps = nn.ModuleList(layers)
        self.classes = ClassCaps(t, cfg.n_classes, cfg.routing_iterations,
                                 cfg.inverse_temperature)
        #: training steps taken (drives the spread loss's margin; kept in checkpoints)
        self.register_buffer("steps", torch.zeros((), dtype=torch.long))
        #: a few images of the last evaluated batch, for the plots
        self.last_images: torch.Tensor | None = None

    def run(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Class poses, activations and the class layer's R."""
        h = F.relu(self.conv1(x))
        b, _, gh, gw = h.shape
        pose = self.primary_pose(h).view(b, -1, 16, gh, gw).permute(0, 3, 4, 1, 2)
        a = torch.sigmoid(self.primary_act(h)).permute(0, 2, 3, 1)
        for layer in self.caps:
            pose, a = layer(pose, a)
        return self.classes(pose, a)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check(x)
        return self.run(x)[1]

    @property
    def margin(self) -> float:
        """The spread loss's margin now: 0.2 rising linearly to 0.9 over ``margin_steps``."""
        return 0.2 + 0.7 * min(1.0, int(self.steps) / self.config.margin_steps)

    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x, y = _labelled(batch, self.model_id)
        a = self(x)
        loss = spread_loss(a, y, self.margin)
        self.steps += 1
        return {"loss": loss, "accuracy": (a.detach().argmax(1) == y).float().mean()}

    @torch.no_grad()
    def evaluation_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x, y = _labelled(batch, self.model_id)
        a = self(x)
        self.last_images = x[:16].detach().cpu()
        return {"loss": spread_loss(a, y, 0.9), "accuracy": (a.argmax(1) == y).float().mean()}

    def visualize(self, out_dir: Path) -> list[Path]:
        """First-layer filters; once evaluated, the class activations and assignment
        probabilities of a few images (``em_capsules_plots``)."""
        from nnzoo.models.vision import em_capsules_plots  # noqa: PLC0415  (on demand)

        return em_capsules_plots.plot_all(self, Path(out_dir), self.last_images)


__all__ = ["ClassCaps", "ConvCaps", "EMCapsules", "EMCapsulesConfig", "em_route", "spread_loss"]
