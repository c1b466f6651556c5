"""Sparse autoencoder: an autoencoder whose code units are rarely active.

Paper: M. Ranzato, C. Poultney, S. Chopra, Y. LeCun, "Efficient learning of sparse
representations with an energy-based model", NIPS 2006,
https://proceedings.neurips.cc/paper/2006/hash/87f4d79e36d68c3031ccf6c55e9bbd39-Abstract.html.
The KL sparsity penalty: A. Ng, "Sparse autoencoder", CS294A lecture notes, Stanford 2011
(https://web.stanford.edu/class/cs294a/sparseAutoencoder_2011new.pdf), the form most
implementations follow.

Reference implementation: the UFLDL tutorial's ``sparseAutoencoderCost``
(http://ufldl.stanford.edu/wiki/index.php/Exercise:Sparse_Autoencoder): one sigmoid hidden
layer, weight decay and the KL penalty below.

The math. With sigmoid code units ``z_j = s(W_j h + c_j)`` (in (0, 1)), the mean activation
of unit ``j`` over a minibatch of B inputs is ``rho_hat_j = 1/B sum_b z_j(x_b)``; the
penalty pulls it towards a small target ``rho``:

    penalty = beta * sum_j KL(rho || rho_hat_j),
    KL(rho || q) = rho log(rho / q) + (1 - rho) log((1 - rho) / (1 - q)),

the divergence between Bernoulli variables of means ``rho`` and ``q``; its gradient is
``beta (-rho / q + (1 - rho) / (1 - q))`` per unit of ``rho_hat_j``. The L1 option
(``sparsity="l1"``) penalises the activations themselves,
``l1 * 1/B sum_b sum_j |z_j(x_b)|``, with any code unit (a ReLU code gives exact zeros).
The loss is the reconstruction loss plus the penalty, averaged over the batch. The code may
be over-complete (``latent`` larger than the input): sparsity, not width, limits it.

Initialisation: with the KL penalty the code units' biases start at ``log(rho / (1 - rho))``,
so that the mean activations start near ``rho`` instead of near 1/2 (only the starting point
changes, not the objective; it saves the thousands of small steps the biases would need to
get there).

A buffer ``rho_hat`` follows the mean activations over training (an exponential moving
average of the minibatch ``rho_hat``, like batch normalisation's running statistics); the
histogram of :meth:`SAE.visualize` draws it against ``rho``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
from torch import nn

from nnzoo.core.config import require
from nnzoo.models.generative.autoencoder import Autoencoder, AutoencoderConfig, kl_sparsity
from nnzoo.models.registry import register

#: The weight of the newest minibatch in the running mean activation.
RUNNING = 0.05


@dataclass
class SAEConfig(AutoencoderConfig):
    """Hyperparameters of :class:`SAE` (those of
    :class:`~nnzoo.models.generative.autoencoder.AutoencoderConfig`, with the squared error
    of Ng's notes as the default loss, and):

    :param sparsity: ``kl`` (the KL penalty on the mean activations; the code units must be
        sigmoid) or ``l1`` (an L1 penalty on the activations).
    :param rho: the target mean activation of a code unit, in (0, 1) (``kl``).
    :param beta: the weight of the KL penalty (>= 0).
    :param l1: the weight of the L1 penalty (>= 0).
    """

    latent: int = 100
    activation: Literal["relu", "sigmoid", "tanh", "linear"] = "sigmoid"
    loss: Literal["bernoulli", "gaussian"] = "gaussian"
    code_activation: Literal["relu", "sigmoid", "tanh", "linear"] = "sigmoid"
    sparsity: Literal["kl", "l1"] = "kl"
    rho: float = 0.05
    beta: float = 3.0
    l1: float = 1e-3

    def __post_init__(self) -> None:
        super().__post_init__()
        require(self.sparsity in ("kl", "l1"),
                f"sparsity must be kl or l1, got {self.sparsity!r}")
        require(0 < self.rho < 1, f"rho must be in (0, 1), got {self.rho}")
        require(self.beta >= 0, f"beta must be >= 0, got {self.beta}")
        require(self.l1 >= 0, f"l1 must be >= 0, got {self.l1}")
        if self.sparsity == "kl":
            require(self.code_activation == "sigmoid",
                    "sparsity='kl' needs sigmoid code units (mean activations in (0, 1)), got "
                    f"code_activation={self.code_activation!r}")


@register("sae", config=SAEConfig,
          rule="backprop on the reconstruction loss + a KL (or L1) sparsity penalty",
          peer="the plain autoencoder (ae) of the same layers (baseline)",
          reference="http://ufldl.stanford.edu/wiki/index.php/Exercise:Sparse_Autoencoder")
class SAE(Autoencoder[SAEConfig]):
    """Sparse autoencoder: the KL penalty towards ``rho`` on the mean activation of sigmoid
    code units, or an L1 penalty on the activations.

    :param config: an :class:`SAEConfig`.
    """

    rho_hat: torch.Tensor                                                  # buffer

    def __init__(self, config: SAEConfig) -> None:
        super().__init__(config)
        self.register_buffer("rho_hat", torch.full((config.latent,), config.rho))
        if config.sparsity == "kl":                    # mean activations start near rho
            last = self.encoder.dense.layers[-1]
            assert isinstance(last, nn.Linear)
            with torch.no_grad():
                last.bias.fill_(math.log(config.rho / (1 - config.rho)))

    def penalty(self, z: torch.Tensor) -> dict[str, torch.Tensor]:
        """``kl = beta sum_j KL(rho || rho_hat_j)`` with ``rho_hat`` the batch's mean
        activations, or ``l1 = l1 mean_b sum_j |z_j|``; in training also updates the running
        ``rho_hat``."""
        cfg = self.config
        if cfg.sparsity == "l1":
            return {"l1": cfg.l1 * z.abs().sum(1).mean()}
        rho_hat = z.mean(0)                                                # (latent,)
        if self.training and torch.is_grad_enabled():
            with torch.no_grad():
                self.rho_hat.lerp_(rho_hat.detach(), RUNNING)
        return {"kl": cfg.beta * kl_sparsity(cfg.rho, rho_hat)}

    @torch.no_grad()
    def mean_activations(self, x: torch.Tensor) -> torch.Tensor:
        """The mean activation of each code unit over ``x`` (checked), shape (latent,)."""
        return self.predict(x).mean(0)

    def visualize(self, out_dir: Path) -> list[Path]:
        """The filters and reconstructions, and the histogram of the running mean
        activations against ``rho``."""
        from nnzoo.models.generative import autoencoder_plots

        out = super().visualize(out_dir)
        if bool(self.fitted) and self.config.sparsity == "kl":
            out.append(autoencoder_plots.plot_mean_activations(
                self.rho_hat, self.config.rho, Path(out_dir) / "mean_activations.png",
                "sae: mean activation of each code unit (training, running mean)"))
        return out


__all__ = ["SAE", "SAEConfig"]
