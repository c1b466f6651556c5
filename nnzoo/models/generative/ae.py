"""Autoencoder: an under-complete network trained to reproduce its input.

Paper: H. Bourlard, Y. Kamp, "Auto-association by multilayer perceptrons and singular value
decomposition", Biological Cybernetics 59, 1988, https://doi.org/10.1007/BF00332918 (a
linear autoencoder with a narrow code recovers the principal subspace of the data).

Reference implementation: the Keras blog's "Building Autoencoders in Keras"
(https://blog.keras.io/building-autoencoders-in-keras.html): a fully connected and a
convolutional autoencoder on MNIST trained on the per-pixel cross-entropy.

The math (:mod:`~nnzoo.models.generative.autoencoder` has the blocks): an encoder
``z = f(x)`` with a code of ``latent < D`` values (under-complete: the code must compress),
a decoder ``a = g(z)``, and the loss ``-log p(x | a)``, Bernoulli
``-sum_i [x_i log s(a_i) + (1 - x_i) log(1 - s(a_i))]`` for data in [0, 1] or Gaussian
``1/2 |x - a|^2``, minimised by backprop. ``arch="mlp"`` is fully connected; ``arch="conv"``
puts stride-2 3x3 convolutions before the dense layers and transposed convolutions after.

:meth:`~nnzoo.models.generative.autoencoder.Autoencoder.predict` gives the codes (the
features a linear probe reads); ``forward`` the reconstructions.
"""

from __future__ import annotations

from dataclasses import dataclass

from nnzoo.core.config import require
from nnzoo.models.generative.autoencoder import Autoencoder, AutoencoderConfig
from nnzoo.models.registry import register


@dataclass
class AEConfig(AutoencoderConfig):
    """Hyperparameters of :class:`AE` (the fields of
    :class:`~nnzoo.models.generative.autoencoder.AutoencoderConfig`): under-complete, so
    ``latent`` is smaller than the number of input values."""

    hidden: tuple[int, ...] = (32,)
    latent: int = 16

    def __post_init__(self) -> None:
        super().__post_init__()
        require(self.latent < self.n_inputs,
                f"an under-complete autoencoder needs latent < the {self.n_inputs} input "
                f"values, got latent {self.latent} (the sparse autoencoder 'sae' may be "
                "over-complete)")


@register("ae", config=AEConfig, rule="backprop on the reconstruction loss",
          peer="scikit-learn MLPRegressor fitted X -> X",
          reference="https://blog.keras.io/building-autoencoders-in-keras.html")
class AE(Autoencoder[AEConfig]):
    """Under-complete autoencoder, fully connected or convolutional (Bourlard & Kamp 1988).

    :param config: an :class:`AEConfig`.
    """


__all__ = ["AE", "AEConfig"]
