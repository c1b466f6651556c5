"""Recipes of the convolutional network on digits, MNIST and Fashion-MNIST."""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

add(Recipe("cnn", "digits", "digits",
           "small conv net with batch norm (32-64 channels), Adam, 30 epochs",
           train={"epochs": 30, "batch_size": 64, "lr": 1e-3, "scheduler": "cosine"},
           default=True))
add(Recipe("cnn", "mnist", "mnist",
           "small conv net with batch norm (32-64 channels), Adam with one-cycle, 5 epochs",
           train={"epochs": 5, "batch_size": 128, "lr": 3e-3, "scheduler": "onecycle"}))
add(Recipe("cnn", "fashion-mnist", "fashion-mnist",
           "small conv net with batch norm (32-64 channels), Adam with one-cycle, 10 epochs",
           train={"epochs": 10, "batch_size": 128, "lr": 3e-3, "scheduler": "onecycle"}))
for ds, epochs in (("digits", 40), ("mnist", 10)):
    add(Recipe("cnn", f"lenet5-{ds}", ds, f"LeNet-5 (LeCun et al. 1998), tanh, Adam, {epochs} "
               "epochs", model_hp={"arch": "lenet5"},
               train={"epochs": epochs, "batch_size": 64, "lr": 1e-3}))
