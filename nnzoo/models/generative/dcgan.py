"""Deep convolutional GAN (Radford, Metz & Chintala 2015, published at ICLR 2016).

Paper: A. Radford, L. Metz, S. Chintala, "Unsupervised Representation Learning with Deep
Convolutional Generative Adversarial Networks", arXiv 2015, ICLR 2016.
https://arxiv.org/abs/1511.06434
(reference code: https://github.com/Newmu/dcgan_code; the PyTorch example
https://github.com/pytorch/examples/tree/main/dcgan).

The same adversarial game as :mod:`nnzoo.models.generative.gan` (the losses, Algorithm 1,
the optimizers and the training-health records are inherited), with the architecture rules
of Section 3 of the paper:

- no pooling: the discriminator downsamples with strided convolutions, the generator
  upsamples with transposed ("fractionally strided") convolutions;
- batch normalisation in both, except the generator's output layer and the
  discriminator's input layer;
- no fully connected hidden layers: the generator projects z to a small ``(8c, s, s)`` map
  with a transposed convolution (of kernel ``s``, stride 1), the discriminator ends with a
  convolution whose kernel covers its last map;
- ReLU in the generator and tanh at its output, LeakyReLU with slope 0.2 in the
  discriminator;
- Adam with learning rate 2e-4 and beta1 = 0.5 (the recipes' ``lr`` and the config's
  ``beta1``), weights initialised from N(0, 0.02) (batch-norm scales from N(1, 0.02)).

A transposed convolution of kernel k, stride s and padding p maps a side of n pixels to

    out = (n - 1) s - 2 p + k,

so each ``k = 4, s = 2, p = 1`` stage doubles the side (``(n - 1) 2 - 2 + 4 = 2n``) and
the discriminator's ``k = 4, s = 2, p = 1`` convolutions halve it
(``floor((n + 2 - 4) / 2) + 1 = n / 2`` for even n). With ``stages`` doubling stages a
28x28 image starts from a 7x7 map (7 -> 14 -> 28), an 8x8 digit from a 2x2 one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from torch import nn

from nnzoo.core.config import require
from nnzoo.models.generative.gan import GAN
from nnzoo.models.registry import register


def transposed_output_size(n: int, kernel: int, stride: int = 1, padding: int = 0,
                           output_padding: int = 0) -> int:
    """The side of a transposed convolution's output: ``(n - 1) stride - 2 padding + kernel
    + output_padding``."""
    return (n - 1) * stride - 2 * padding + kernel + output_padding


def conv_output_size(n: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """The side of a convolution's output: ``floor((n + 2 padding - kernel) / stride) + 1``."""
    return (n + 2 * padding - kernel) // stride + 1


@dataclass
class DCGANConfig:
    """Hyperparameters of :class:`DCGAN`.

    :param sample_shape: one image ``(C, H, W)`` in ``[0, 1]``; H and W divisible by
        ``2 ** stages``.
    :param latent_dim: length of the noise code z ~ N(0, I) (the paper: 100).
    :param width: channels of the generator's last hidden map and of the discriminator's
        first; they double at each stage inward (the paper's 128 at 64x64).
    :param stages: strided (transposed) convolution stages in each network.
    :param generator_loss: ``non-saturating`` or ``minimax`` (see :mod:`.gan`).
    :param d_steps: discriminator updates per generator update.
    :param beta1: Adam's first-moment decay (the paper: 0.5).
    :param init_std: standard deviation of the N(0, std) weight initialisation (the paper:
        0.02).
    """

    sample_shape: tuple[int, ...] = (1, 8, 8)
    latent_dim: int = 100
    width: int = 32
    stages: int = 2
    generator_loss: Literal["non-saturating", "minimax"] = "non-saturating"
    d_steps: int = 1
    beta1: float = 0.5
    init_std: float = 0.02

    def __post_init__(self) -> None:
        require(len(self.sample_shape) == 3 and all(s >= 1 for s in self.sample_shape),
                f"sample_shape must be an image (C, H, W), got {self.sample_shape}")
        require(self.latent_dim >= 1, f"latent_dim must be >= 1, got {self.latent_dim}")
        require(self.width >= 1, f"width must be >= 1, got {self.width}")
        require(self.stages >= 1, f"stages must be >= 1, got {self.stages}")
        f = 2 ** self.stages
        _, h, w = self.sample_shape
        require(h % f == 0 and w % f == 0,
                f"{self.stages} stride-2 stages need image sides divisible by {f}, got {h}x{w}")
        require(self.d_steps >= 1, f"d_steps must be >= 1, got {self.d_steps}")
        require(0 <= self.beta1 < 1, f"beta1 must be in [0, 1), got {self.beta1}")
        require(self.init_std > 0, f"init_std must be > 0, got {self.init_std}")


def dcgan_generator(cfg: DCGANConfig) -> nn.Sequential:
    """z (as a ``(latent, 1, 1)`` map) -> project to ``(width 2^(stages-1), h0, w0)`` ->
    ``stages`` transposed convolutions (4, stride 2, padding 1) doubling the side, BN + ReLU
    between, tanh at the output."""
    c, h, w = cfg.sample_shape
    h0, w0 = h // 2 ** cfg.stages, w // 2 ** cfg.stages
    ch = cfg.width * 2 ** (cfg.stages - 1)
    layers: list[nn.Module] = [
        nn.Unflatten(1, (cfg.latent_dim, 1, 1)),
        nn.ConvTranspose2d(cfg.latent_dim, ch, (h0, w0), 1, 0, bias=False),  # 1 -> h0
        nn.BatchNorm2d(ch), nn.ReLU()]
    for i in range(cfg.stages):
        last = i == cfg.stages - 1
        out = c if last else ch // 2
        layers.append(nn.ConvTranspose2d(ch, out, 4, 2, 1, bias=last))        # n -> 2n
        layers += [nn.Tanh()] if last else [nn.BatchNorm2d(out), nn.ReLU()]
        ch = out
    return nn.Sequential(*layers)


def dcgan_discriminator(cfg: DCGANConfig) -> nn.Sequential:
    """image -> ``stages`` convolutions (4, stride 2, padding 1) halving the side, LeakyReLU
    0.2 after each and BN after all but the first -> a convolution over the last map -> one
    logit."""
    c, h, w = cfg.sample_shape
    layers: list[nn.Module] = []
    ch = cfg.width
    for i in range(cfg.stages):
        layers.append(nn.Conv2d(c, ch, 4, 2, 1, bias=i == 0))                  # n -> n/2
        if i > 0:
            layers.append(nn.BatchNorm2d(ch))
        layers.append(nn.LeakyReLU(0.2))
        c, ch = ch, ch * 2
    hs, ws = h // 2 ** cfg.stages, w // 2 ** cfg.stages
    layers += [nn.Conv2d(c, 1, (hs, ws), 1, 0), nn.Flatten()]                  # -> (1, 1, 1)
    return nn.Sequential(*layers)


def dcgan_init(module: nn.Module, std: float = 0.02) -> None:
    """Radford et al.'s initialisation: (transposed) convolution weights from N(0, std),
    batch-norm scales from N(1, std), biases 0."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, std)
            nn.init.zeros_(m.bias)


@register("dcgan", config=DCGANConfig, rule="adversarial training (Adam 2e-4, beta1 0.5): "
          "alternating steps on D and G",
          peer="nnzoo's fully connected GAN at the same budget (classifier-feature Frechet "
               "distance)",
          reference="https://github.com/Newmu/dcgan_code")
class DCGAN(GAN):
    """The convolutional generator and discriminator of :class:`DCGANConfig`, trained as a
    :class:`~nnzoo.models.generative.gan.GAN`.

    :param config: a :class:`DCGANConfig`.
    """

    def build_networks(self) -> tuple[nn.Module, nn.Module]:
        g, d = dcgan_generator(self.config), dcgan_discriminator(self.config)
        dcgan_init(g, self.config.init_std)
        dcgan_init(d, self.config.init_std)
        return g, d
