"""DC-IGN: a convolutional VAE whose latent units are tied to factors by clamped batches.

Paper: T. D. Kulkarni, W. F. Whitney, P. Kohli, J. B. Tenenbaum, "Deep Convolutional Inverse
Graphics Network", NeurIPS 2015. https://arxiv.org/abs/1503.03167

The network is the convolutional VAE of :mod:`~nnzoo.models.generative.vae`; what is new is
the training procedure (Kulkarni et al., section 3.1, steps 1-8): a latent unit ``z_train``
is assigned to each factor of variation, and

1. a factor is chosen, and a mini-batch in which only that factor varies;
2. the encoder codes every image of the batch;
3. the codes of the other units (``z_i != z_train``) are replaced, before the decoder, by
   their mean over the batch ("clamped");
4. the reconstruction error is back-propagated through the decoder as in SGVB;
5. the gradients of the clamped units are replaced by their difference from the batch mean,
   ``dL/dz_i = z_i - mean(z_i)`` (section 3.2: the encoder learns to give the same value to
   every image of the batch in the factors that do not change), while the gradient of
   ``z_train`` passes unchanged; back-propagation continues through the encoder.

On MNIST (and the 8x8 digits) the factors are measured from the images:

- **slant**: the shear of the image's second moments, ``mu_11 / mu_02`` (the covariance of
  the ink's column and row over the variance of its row, as deskewing uses);
- **thickness**: the ink mass, the mean pixel intensity (not the ink per skeleton length:
  no skeletonisation dependency; within a class, at a fixed slant, ink mass mostly follows
  stroke width);
- **class**: the label.

Unit 0 is slant, unit 1 thickness, and the others are the "intrinsic" units that carry the
class and the rest of the shape (as the paper's shape units). Slant and thickness are cut
into ``bins`` quantile bins (edges from the training set, :meth:`DCIGN.on_fit_start`). Where
we simplify: the paper fills each mini-batch with images in which one factor varies; here the
engine's random batch is split into groups that share the values of the fixed factors (for a
slant step, the images of one class and one thickness bin form a group), and the clamping and
its gradient are applied within each group, so one step holds many small clamped batches.
The factor cycles slant, thickness, class with the step count (the paper draws it at random).
The KL term is applied to the varying units only: the clamped units' gradient is replaced, as
step 5 says, by the invariance gradient alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch

from nnzoo.core.config import require
from nnzoo.core.errors import InputError
from nnzoo.core.validation import check_labels
from nnzoo.models.base import Batch
from nnzoo.models.generative.vae import VAE, VAEConfig, gaussian_kl
from nnzoo.models.registry import register

FACTORS = ("class", "slant", "thickness")


def image_factors(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(slant, ink)`` of each image of ``x`` ``(B, C, H, W)`` (channels averaged).

    ``slant = mu_11 / mu_02``: with ink weights ``I(r, c)``, the centroid ``(r0, c0)``,
    ``mu_11 = sum I (r - r0)(c - c0) / sum I`` and ``mu_02 = sum I (r - r0)^2 / sum I``.
    ``ink`` is the mean intensity. A blank image has slant 0.
    """
    img = x.float().mean(1)                                         # (B, H, W)
    b, h, w = img.shape
    r = torch.arange(h, dtype=img.dtype, device=img.device)[None, :, None]
    c = torch.arange(w, dtype=img.dtype, device=img.device)[None, None, :]
    m = img.sum((1, 2)).clamp(min=1e-8)
    r0 = (img * r).sum((1, 2)) / m
    c0 = (img * c).sum((1, 2)) / m
    dr, dc = r - r0[:, None, None], c - c0[:, None, None]
    mu11 = (img * dr * dc).sum((1, 2)) / m
    mu02 = (img * dr * dr).sum((1, 2)) / m
    return mu11 / mu02.clamp(min=1e-6), img.mean((1, 2))


def bin_of(values: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
    """The bin index (0..len(edges)) of each value."""
    return torch.bucketize(values.contiguous(), edges.to(values).contiguous())


@dataclass
class DCIGNConfig(VAEConfig):
    """Hyperparameters of :class:`DCIGN`: those of :class:`VAEConfig` (convolutional by
    default) and the clamping's.

    :param n_classes: number of classes (the dataset decides; the class is a factor).
    :param bins: quantile bins of slant and of thickness that define "fixed" (>= 2).
    """

    arch: Literal["mlp", "conv"] = "conv"
    n_classes: int = 10
    latent_dim: int = 10
    bins: int = 3

    def __post_init__(self) -> None:
        super().__post_init__()
        require(self.n_classes >= 2, f"n_classes must be >= 2, got {self.n_classes}")
        require(self.bins >= 2, f"bins must be >= 2, got {self.bins}")
        require(self.latent_dim >= 3, "dcign needs latent_dim >= 3 (slant, thickness and at "
                                      f"least one intrinsic unit), got {self.latent_dim}")


@register("dcign", config=DCIGNConfig,
          rule="SGVB with clamped mini-batches (one factor varies, the other units clamped)",
          peer="the nnzoo VAE (no clamping), same architecture and budget",
          reference="https://github.com/willwhitney/dc-ign")
class DCIGN(VAE):
    """Deep convolutional inverse graphics network (Kulkarni et al. 2015).

    :param config: a :class:`DCIGNConfig`.
    """

    factor_names = ("slant", "thickness")

    config: DCIGNConfig
    quantiles: torch.Tensor
    slant_edges: torch.Tensor
    ink_edges: torch.Tensor
    fitted: torch.Tensor
    steps: torch.Tensor

    def __init__(self, config: DCIGNConfig) -> None:
        super().__init__(config)
        q = torch.linspace(0, 1, config.bins + 1)[1:-1]
        self.register_buffer("quantiles", q)
        self.register_buffer("slant_edges", torch.zeros(config.bins - 1))
        self.register_buffer("ink_edges", torch.zeros(config.bins - 1))
        self.register_buffer("fitted", torch.zeros((), dtype=torch.bool))
        self.register_buffer("steps", torch.zeros((), dtype=torch.long))

    def on_fit_start(self, X: torch.Tensor, seed: int = 0) -> None:
        """Bin edges of slant and thickness: quantiles over the whole training split."""
        slant, ink = image_factors(X)
        self.slant_edges.copy_(torch.quantile(slant, self.quantiles.to(slant)))
        self.ink_edges.copy_(torch.quantile(ink, self.quantiles.to(ink)))
        self.fitted.fill_(True)

    def labels_for(self, x: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor | None:
        if y is None:
            raise InputError(f"{self.model_id} builds its clamped batches from the class "
                             "labels; the batch has none")
        check_labels(y, len(x), self.config.n_classes, name=f"{self.model_id} labels")
        return y

    def groups(self, x: torch.Tensor, y: torch.Tensor, factor: str) -> torch.Tensor:
        """Group index of each image: images of a group share the fixed factors' values."""
        slant, ink = image_factors(x)
        if bool(self.fitted):
            se, ie = self.slant_edges, self.ink_edges
        else:                                   # not fitted (a lone step): the batch's bins
            se = torch.quantile(slant, self.quantiles.to(slant))
            ie = torch.quantile(ink, self.quantiles.to(ink))
        sb, tb, nb = bin_of(slant, se), bin_of(ink, ie), self.config.bins
        if factor == "class":
            return sb * nb + tb
        if factor == "slant":
            return y.to(sb) * nb + tb
        return y.to(sb) * nb + sb

    def varying_units(self, factor: str) -> torch.Tensor:
        """Boolean mask ``(latent_dim,)`` of the units that vary with ``factor``."""
        mask = torch.zeros(self.latent_dim, dtype=torch.bool, device=self.device)
        if factor == "slant":
            mask[0] = True
        elif factor == "thickness":
            mask[1] = True
        else:
            mask[2:] = True
        return mask

    def clamped_loss(self, x: torch.Tensor, y: torch.Tensor, factor: str,
                     eps: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """The DC-IGN loss of one batch in which ``factor`` varies within each group.

        Decoder input: the sampled code for the varying units, the group mean of ``mu``
        (no gradient) for the clamped ones. Loss per image: ``-log p(x | z)``, plus the KL of
        the varying units, plus ``1/2 ||mu_clamped - group mean||^2``, whose gradient in
        ``mu_clamped`` is the difference from the mean (step 5); averaged over the batch.
        """
        mu, logvar = self.encode(x)
        g = self.groups(x, y, factor)
        _, inv = torch.unique(g, return_inverse=True)
        n_groups = int(inv.max()) + 1
        sums = torch.zeros(n_groups, self.latent_dim, dtype=mu.dtype, device=mu.device)
        sums.index_add_(0, inv, mu.detach())
        counts = torch.bincount(inv, minlength=n_groups).to(mu.dtype)[:, None]
        mean = (sums / counts)[inv]                                         # (B, D)
        vary = self.varying_units(factor)
        e = torch.randn_like(mu) if eps is None else eps
        z = torch.where(vary, mu + (0.5 * logvar).exp() * e, mean)
        rec = self.log_likelihood(x, self.decode_logits(z))
        kl = gaussian_kl(mu[:, vary], logvar[:, vary])
        invariance = 0.5 * (mu[:, ~vary] - mean[:, ~vary]).pow(2).sum(1)
        loss = (-rec + self.beta * kl + invariance).mean()
        return {"loss": loss, "reconstruction": -rec.detach().mean(), "kl": kl.detach().mean(),
                "invariance": invariance.detach().mean()}

    def training_step(self, batch: Batch) -> dict[str, torch.Tensor]:
        x, y = batch
        self.check_values(x)
        y = self.labels_for(x, y)
        assert y is not None
        factor = ("slant", "thickness", "class")[int(self.steps) % 3]
        self.steps += 1
        return self.clamped_loss(self.binarize(x), y, factor)


__all__ = ["DCIGN", "DCIGNConfig", "FACTORS", "image_factors"]
