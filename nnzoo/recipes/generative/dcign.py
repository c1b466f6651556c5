"""Recipes of DC-IGN: digits (offline) and MNIST, with clamped batches over slant,
thickness and class."""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

add(Recipe("dcign", "digits", "digits",
           "conv VAE (16-32 channels, 128 hidden, 8 latent: slant, thickness, 6 intrinsic), "
           "clamped batches, Adam 1e-3, 60 epochs",
           model_hp={"channels": (16, 32), "hidden": (128,), "latent_dim": 8},
           train={"epochs": 60, "batch_size": 64, "lr": 1e-3},
           metric="loss", higher_is_better=False, default=True))
add(Recipe("dcign", "mnist", "mnist",
           "conv VAE (32-64 channels, 256 hidden, 10 latent), clamped batches, Adam 1e-3, "
           "batch 128, 10 epochs",
           model_hp={"channels": (32, 64), "hidden": (256,), "latent_dim": 10},
           train={"epochs": 10, "batch_size": 128, "lr": 1e-3},
           metric="loss", higher_is_better=False))
