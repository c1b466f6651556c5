"""Recipes of ZFNet (Zeiler and Fergus 2013) on digits, MNIST and Fashion-MNIST."""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add
from nnzoo.recipes.vision.table import table_description, table_training

add(Recipe("zfnet", "digits", "digits",
           "ZFNet (LRN; small geometry) on the 8x8 digits, Adam, cosine, 10 epochs",
           train={"epochs": 10, "batch_size": 64, "lr": 1e-3, "scheduler": "cosine"},
           default=True))
for ds in ("mnist",):
    add(Recipe("zfnet", ds, ds,
               "ZFNet with batch norm (small geometry) on 28x28 images, Adam with one-cycle, "
               "10 epochs", model_hp={"batch_norm": True},
               train={"epochs": 10, "batch_size": 128, "lr": 2e-3, "scheduler": "onecycle"}))
add(Recipe("zfnet", "fashion-mnist", "fashion-mnist",
           table_description("ZFNet with batch norm (small geometry)", 2, lr=0.05),
           model_hp={"batch_norm": True},
           train=table_training(2, lr=0.05)))
