"""The beta-VAE: a VAE whose KL term is weighted by beta > 1 to favour disentangled codes.

Paper: I. Higgins, L. Matthey, A. Pal, C. Burgess, X. Glorot, M. Botvinick, S. Mohamed,
A. Lerchner, "beta-VAE: Learning Basic Visual Concepts with a Constrained Variational
Framework", ICLR 2017. https://openreview.net/forum?id=Sy2fzU9gl

The objective (Higgins et al., eq. 4) is the ELBO of :mod:`~nnzoo.models.generative.vae`
with the KL scaled:

    L(x) = E_q[ log p(x | z) ] - beta * KL( q(z | x) || N(0, I) ),

beta = 1 being the VAE. A larger beta presses the posterior toward the factorised prior, so
that each latent unit tends to capture one factor of variation, at the price of blurrier
reconstructions. Training minimises ``-L``; evaluation reports the plain negative ELBO
(beta = 1) and the IWAE bound, so that the figures compare with the VAE's.
"""

from __future__ import annotations

from dataclasses import dataclass

from nnzoo.core.config import require
from nnzoo.models.generative.vae import VAE, VAEConfig
from nnzoo.models.registry import register


@dataclass
class BetaVAEConfig(VAEConfig):
    """Hyperparameters of :class:`BetaVAE`: those of :class:`VAEConfig` and ``beta``.

    :param beta: weight of the KL term (> 0; 1 is the VAE, Higgins et al. use 4 and more).
    """

    latent_dim: int = 10
    beta: float = 4.0

    def __post_init__(self) -> None:
        super().__post_init__()
        require(self.beta > 0, f"beta must be > 0, got {self.beta}")


@register("beta-vae", config=BetaVAEConfig, rule="backpropagation of the beta-weighted ELBO",
          peer="the nnzoo VAE (beta = 1), same architecture and budget",
          reference="https://github.com/1Konny/Beta-VAE")
class BetaVAE(VAE):
    """beta-VAE (Higgins et al. 2017): :class:`~nnzoo.models.generative.vae.VAE` trained
    with the KL weighted by ``config.beta``.

    :param config: a :class:`BetaVAEConfig`.
    """


__all__ = ["BetaVAE", "BetaVAEConfig"]
