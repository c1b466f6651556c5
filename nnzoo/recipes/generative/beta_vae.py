"""Recipes of the beta-VAE: digits (offline, beta = 2) and MNIST (beta = 4, Higgins et al.
2017). On the 64-pixel digits beta = 4 collapses the whole code onto the prior (test KL
below 0.01 nats with the 64-128-8 network, 60 epochs); beta = 2 keeps about 0.9 nats."""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

add(Recipe("beta-vae", "digits", "digits",
           "64-128-8 MLP beta-VAE, beta 2, Bernoulli decoder, Adam 1e-3, 60 epochs",
           model_hp={"hidden": (128,), "latent_dim": 8, "beta": 2.0, "iwae_k": 100},
           train={"epochs": 60, "batch_size": 64, "lr": 1e-3},
           metric="loss", higher_is_better=False, default=True))
add(Recipe("beta-vae", "mnist", "mnist",
           "784-400-10 beta-VAE, beta 4, Adam 1e-3, batch 128, 20 epochs",
           model_hp={"hidden": (400,), "latent_dim": 10, "beta": 4.0},
           train={"epochs": 20, "batch_size": 128, "lr": 1e-3},
           metric="loss", higher_is_better=False))
