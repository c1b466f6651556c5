"""Recipes of the beta-VAE: digits (offline) and MNIST, beta = 4 (Higgins et al. 2017)."""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

add(Recipe("beta-vae", "digits", "digits",
           "64-128-8 MLP beta-VAE, beta 4, Bernoulli decoder, Adam 1e-3, 60 epochs",
           model_hp={"hidden": (128,), "latent_dim": 8, "beta": 4.0, "iwae_k": 100},
           train={"epochs": 60, "batch_size": 64, "lr": 1e-3},
           metric="loss", higher_is_better=False, default=True))
add(Recipe("beta-vae", "mnist", "mnist",
           "784-400-10 beta-VAE, beta 4, Adam 1e-3, batch 128, 20 epochs",
           model_hp={"hidden": (400,), "latent_dim": 10, "beta": 4.0},
           train={"epochs": 20, "batch_size": 128, "lr": 1e-3},
           metric="loss", higher_is_better=False))
