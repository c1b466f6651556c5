"""Recipes of the variational autoencoder: digits (offline), pytorch/examples' MNIST set-up
and nnzoo's best VAE on binarised MNIST.

- ``digits`` (default): 64-128-8 MLP VAE, Bernoulli decoder on the grey digits in [0, 1],
  Adam 1e-3, batch 64, 60 epochs; the test figures include the IWAE bound with k = 100.
- ``mnist-pytorch-examples``: pytorch/examples' ``vae/main.py``: 784-400-20, ReLU, Bernoulli
  decoder (binary cross-entropy on grey MNIST in [0, 1], summed over pixels) + KL, per image,
  Adam 1e-3, batch 128, 10 epochs, on all 60,000 training images with no validation split
  (``val_size=0``: the last epoch is scored), as the example does.
- ``mnist-best``: 784-500-500-50, dynamically binarised training images (redrawn every
  batch), validation and test binarised once (seed 0), Adam 1e-3, batch 100, 20 epochs (a
  2-core CPU budget: about 25 minutes), IWAE
  k = 5000 reported by the benchmark.
"""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

add(Recipe("vae", "digits", "digits",
           "64-128-8 MLP VAE, Bernoulli decoder, Adam 1e-3, 60 epochs (test: IWAE k = 100)",
           model_hp={"hidden": (128,), "latent_dim": 8, "iwae_k": 100},
           train={"epochs": 60, "batch_size": 64, "lr": 1e-3},
           metric="loss", higher_is_better=False, default=True))
add(Recipe("vae", "mnist-pytorch-examples", "mnist", dataset_args={"val_size": 0},
           description="pytorch/examples' VAE: 784-400-20, BCE + KL summed per image, "
                       "Adam 1e-3, batch 128, 10 epochs, all 60,000 training images",
           model_hp={"hidden": (400,), "latent_dim": 20},
           train={"epochs": 10, "batch_size": 128, "lr": 1e-3},
           metric="loss", higher_is_better=False))
add(Recipe("vae", "mnist-best", "mnist", dataset_args={"binarize": "dynamic"},
           description="784-500-500-50 VAE on dynamically binarised MNIST (test binarised "
                       "once, seed 0), Adam 1e-3, batch 100, 20 epochs",
           model_hp={"hidden": (500, 500), "latent_dim": 50, "dynamic_binarization": True},
           train={"epochs": 20, "batch_size": 100, "lr": 1e-3},
           metric="loss", higher_is_better=False))
