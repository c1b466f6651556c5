"""Recipes of AlexNet (Krizhevsky et al. 2012) on digits, MNIST and Fashion-MNIST."""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add
from nnzoo.recipes.vision.table import table_description, table_training

add(Recipe("alexnet", "digits", "digits",
           "AlexNet (two groups, LRN; small geometry) on the 8x8 digits, Adam, cosine, "
           "10 epochs",
           train={"epochs": 10, "batch_size": 64, "lr": 1e-3, "scheduler": "cosine"},
           default=True))
add(Recipe("alexnet", "digits-bn", "digits",
           "AlexNet with batch norm instead of LRN, 8x8 digits, Adam, cosine, 10 epochs",
           model_hp={"batch_norm": True},
           train={"epochs": 10, "batch_size": 64, "lr": 1e-3, "scheduler": "cosine"}))
for ds in ("mnist",):
    add(Recipe("alexnet", ds, ds,
               "AlexNet with batch norm (small geometry) on 28x28 images, Adam with one-cycle, "
               "10 epochs", model_hp={"batch_norm": True},
               train={"epochs": 10, "batch_size": 128, "lr": 2e-3, "scheduler": "onecycle"}))
add(Recipe("alexnet", "fashion-mnist", "fashion-mnist",
           table_description("AlexNet with batch norm (small geometry)", 2, lr=0.05),
           model_hp={"batch_norm": True},
           train=table_training(2, lr=0.05)))
