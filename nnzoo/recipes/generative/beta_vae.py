"""Recipes of the beta-VAE: digits (offline, beta = 2) and MNIST (beta = 4, Higgins et al.
2017).

The digits beta was chosen on the validation split only, by the benchmark task
``beta-vae/quick/select-beta-digits`` (``nnzoo bench beta-vae --tier quick --task
select-beta-digits``), with a rule fixed before it ran: among beta in {1.5, 2, 3, 4, 6}, the
largest whose validation KL (nats per image, the best validation epoch's weights, seed 0, this
recipe's budget) is at least 0.5 nats, i.e. whose code has not collapsed onto the prior. With
the 64-128-8 network and 60 epochs beta 3 and above collapse it (validation KL below 0.05
nats); beta 2 keeps about 0.9 nats (the task's row holds each candidate's figure)."""

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
