"""Recipes of the network in network (Lin et al. 2013) on digits, MNIST and Fashion-MNIST."""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add
from nnzoo.recipes.vision.table import table_description, table_training

add(Recipe("nin", "digits", "digits",
           "NiN (small geometry, batch norm) on the 8x8 digits, Adam, cosine, 10 epochs",
           model_hp={"batch_norm": True},
           train={"epochs": 10, "batch_size": 64, "lr": 2e-3, "scheduler": "cosine"},
           default=True))
for ds in ("mnist",):
    add(Recipe("nin", ds, ds,
               "NiN (small geometry, batch norm) on 28x28 images, Adam with one-cycle, "
               "10 epochs", model_hp={"batch_norm": True},
               train={"epochs": 10, "batch_size": 128, "lr": 2e-3, "scheduler": "onecycle"}))
add(Recipe("nin", "fashion-mnist", "fashion-mnist",
           table_description("NiN with batch norm (small geometry)", 2),
           model_hp={"batch_norm": True},
           train=table_training(2)))
