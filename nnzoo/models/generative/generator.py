"""What ``nnzoo sample`` asks of an image generator.

A model that draws images from a latent code (a VAE's decoder, a GAN's generator, the
deconvolutional net's code-to-image network) implements :class:`ImageGenerator`: the size of
its code, how to draw codes from its prior, and how to turn codes into images. Sample grids,
interpolations between two codes and traversals of one latent unit are then the same for
every generator (``nnzoo sample RUN --n 64 --seed 0``).

Images are ``(n, channels, height, width)`` float tensors with values in ``[0, 1]`` (a
Bernoulli decoder's means, a tanh generator's output mapped from ``[-1, 1]``).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch


@runtime_checkable
class ImageGenerator(Protocol):
    """An image model with a latent code.

    ``latent_dim`` is the length of the code :meth:`decode` reads; a conditional model
    (``conditional = True``) also reads one class label per code, and ``n_classes`` says how
    many there are.
    """

    latent_dim: int
    conditional: bool
    n_classes: int

    def prior(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``n`` codes drawn from the prior, ``(n, latent_dim)``, from ``generator`` only."""
        ...

    def decode(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Images for codes ``z`` (``(n, latent_dim)``), ``(n, C, H, W)`` in ``[0, 1]``;
        ``labels`` (``(n,)`` integers) for a conditional model, else ``None``."""
        ...


__all__ = ["ImageGenerator"]
