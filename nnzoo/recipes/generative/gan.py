"""Recipes of the fully connected GAN: digits (the offline default), the 1-D Gaussian toy,
MNIST and Fashion-MNIST.

A GAN's validation figures (D's loss on held-out images) do not rank generators, so every
recipe keeps the last epoch's networks (``restore_best=false``).
"""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

_KEEP_LAST = {"restore_best": False}

add(Recipe("gan", "digits", "digits",
           "fully connected GAN (32-256-256-64 / 64-256-256-1), non-saturating G loss, Adam "
           "2e-4 beta1 0.5, 30 epochs", model_hp={"latent_dim": 32},
           train={"epochs": 30, "batch_size": 64, "lr": 2e-4, **_KEEP_LAST},
           metric="loss", higher_is_better=False, default=True))
add(Recipe("gan", "toy-gaussian", "gaussian-1d",
           "1-D GAN on N(4, 1.25^2) (Goodfellow et al.'s toy): 4-32-32-1 / 1-32-32-1, "
           "Adam 1e-3 beta1 0.5, 30 epochs",
           model_hp={"latent_dim": 4, "g_hidden": (32, 32), "d_hidden": (32, 32)},
           train={"epochs": 30, "batch_size": 64, "lr": 1e-3, **_KEEP_LAST},
           metric="loss", higher_is_better=False))
for ds in ("mnist", "fashion-mnist"):
    add(Recipe("gan", ds, ds,
               "fully connected GAN (100-256-512-784 / 784-512-256-1, dropout 0.3 in D), "
               "non-saturating G loss, Adam 2e-4 beta1 0.5, 20 epochs",
               model_hp={"latent_dim": 100, "g_hidden": (256, 512), "d_hidden": (512, 256),
                         "d_dropout": 0.3},
               train={"epochs": 20, "batch_size": 128, "lr": 2e-4, **_KEEP_LAST},
               metric="loss", higher_is_better=False))
