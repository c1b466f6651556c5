"""Recipes of the conditional VAE: digits (offline) and MNIST."""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

add(Recipe("cvae", "digits", "digits",
           "64(+10)-128-8 MLP conditional VAE, Bernoulli decoder, Adam 1e-3, 60 epochs",
           model_hp={"hidden": (128,), "latent_dim": 8, "iwae_k": 100},
           train={"epochs": 60, "batch_size": 64, "lr": 1e-3},
           metric="loss", higher_is_better=False, default=True))
add(Recipe("cvae", "mnist", "mnist",
           "784(+10)-400-20 conditional VAE, Adam 1e-3, batch 128, 10 epochs",
           model_hp={"hidden": (400,), "latent_dim": 20},
           train={"epochs": 10, "batch_size": 128, "lr": 1e-3},
           metric="loss", higher_is_better=False))
