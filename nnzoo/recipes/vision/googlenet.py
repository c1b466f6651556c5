"""Recipes of GoogLeNet (Szegedy et al. 2014) on digits, MNIST and Fashion-MNIST."""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

add(Recipe("googlenet", "digits", "digits",
           "GoogLeNet (small geometry, auxiliary heads) on the 8x8 digits, Adam, cosine, "
           "4 epochs",
           train={"epochs": 4, "batch_size": 64, "lr": 2e-3, "scheduler": "cosine"},
           default=True))
for ds in ("mnist", "fashion-mnist"):
    add(Recipe("googlenet", ds, ds,
               "GoogLeNet (small geometry, auxiliary heads) on 28x28 images, Adam with "
               "one-cycle, 10 epochs",
               train={"epochs": 10, "batch_size": 128, "lr": 2e-3, "scheduler": "onecycle"}))
