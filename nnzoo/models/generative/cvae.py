"""The conditional VAE: a VAE whose encoder and decoder both read the class label.

Paper: K. Sohn, H. Lee, X. Yan, "Learning Structured Output Representation using Deep
Conditional Generative Models", NeurIPS 2015.
https://proceedings.neurips.cc/paper/2015/hash/8d55a249e6baa5c06772297520da2051-Abstract.html

With a label ``y`` (one-hot ``c``), the model is ``p(x | z, y) p(z)`` with the prior
``N(0, I)`` left unconditioned, and the encoder ``q(z | x, y)``; the bound of
:mod:`~nnzoo.models.generative.vae` becomes

    ELBO(x | y) = E_q[ log p(x | z, y) ] - KL( q(z | x, y) || N(0, I) )  <=  log p(x | y).

The one-hot label is concatenated to the flattened image (``mlp``) or to the convolutional
features (``conv``) before the encoder's dense layers, and to the code before the decoder's.
Because the label carries the class, the code is free to carry the style (slant, thickness):
decoding one code under every label writes the same style in each class. Sohn et al. also
condition the prior on ``y`` (their recognition/prior networks); the fixed ``N(0, I)`` prior
here is the common simplification (and what makes per-class sampling a plain prior draw).

A batch without labels is one :class:`~nnzoo.core.errors.InputError`. Codes of unlabelled
images (``predict(x)``) are taken under each image's most likely label, the label with the
highest ELBO (at the posterior mean), so ``predict`` needs no labels.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from nnzoo.core.config import require
from nnzoo.core.errors import InputError
from nnzoo.core.validation import check_labels
from nnzoo.models.generative.vae import VAE, VAEConfig, gaussian_kl
from nnzoo.models.registry import register


@dataclass
class CVAEConfig(VAEConfig):
    """Hyperparameters of :class:`CVAE`: those of :class:`VAEConfig` and the class count.

    :param n_classes: number of labels the model is conditioned on (the dataset decides).
    """

    n_classes: int = 10

    def __post_init__(self) -> None:
        super().__post_init__()
        require(self.n_classes >= 2, f"n_classes must be >= 2, got {self.n_classes}")


@register("cvae", config=CVAEConfig, rule="backpropagation of the conditional ELBO",
          peer="the nnzoo VAE (unconditional), same architecture and budget",
          reference="https://github.com/timbmg/VAE-CVAE-MNIST")
class CVAE(VAE):
    """Conditional VAE: :class:`~nnzoo.models.generative.vae.VAE` with the one-hot label
    read by the encoder and the decoder.

    :param config: a :class:`CVAEConfig`.
    """

    conditional = True

    def condition(self, y: torch.Tensor | None) -> torch.Tensor | None:
        if y is None:
            raise InputError(f"{self.model_id} is a conditional model and needs a class label "
                             "for every image (and for every code it decodes); none given")
        return F.one_hot(y.to(self.device).long(), self.n_classes).float()

    def labels_for(self, x: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor | None:
        if y is None:
            raise InputError(f"{self.model_id} is a conditional model and needs labelled data; "
                             "the batch has no labels")
        check_labels(y, len(x), self.n_classes, name=f"{self.model_id} labels")
        return y

    @torch.no_grad()
    def most_likely_labels(self, x: torch.Tensor) -> torch.Tensor:
        """For each image, the label with the highest ELBO at the posterior mean."""
        scores = []
        for c in range(self.n_classes):
            y = torch.full((len(x),), c, dtype=torch.long, device=x.device)
            mu, logvar = self.encode(x, y)
            scores.append(self.log_likelihood(x, self.decode_logits(mu, y))
                          - gaussian_kl(mu, logvar))
        return torch.stack(scores, 1).argmax(1)

    def codes(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        self.check(x)
        if y is None:
            y = self.most_likely_labels(x)
        return self.encode(x, y)[0]


__all__ = ["CVAE", "CVAEConfig"]
