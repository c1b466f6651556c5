"""Recipes of the network in network (Lin et al. 2013) on digits, MNIST and Fashion-MNIST."""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

add(Recipe("nin", "digits", "digits",
           "NiN (small geometry, batch norm) on the 8x8 digits, Adam, cosine, 10 epochs",
           model_hp={"batch_norm": True},
           train={"epochs": 10, "batch_size": 64, "lr": 2e-3, "scheduler": "cosine"},
           default=True))
for ds in ("mnist", "fashion-mnist"):
    add(Recipe("nin", ds, ds,
               "NiN (small geometry, batch norm) on 28x28 images, Adam with one-cycle, "
               "10 epochs", model_hp={"batch_norm": True},
               train={"epochs": 10, "batch_size": 128, "lr": 2e-3, "scheduler": "onecycle"}))
