"""Recipes of MobileNet (Howard et al. 2017) on digits, MNIST and Fashion-MNIST."""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add
from nnzoo.recipes.vision.table import table_description, table_training

add(Recipe("mobilenet", "digits", "digits",
           "0.5 MobileNet (small geometry) on the digits resized to 16x16, Adam, cosine, "
           "10 epochs", dataset_args={"size": 16}, model_hp={"alpha": 0.5},
           train={"epochs": 10, "batch_size": 64, "lr": 3e-3, "scheduler": "cosine"},
           default=True))
for ds in ("mnist",):
    add(Recipe("mobilenet", ds, ds,
               "1.0 MobileNet (small geometry) on 28x28 images, Adam with one-cycle, 10 epochs",
               model_hp={"alpha": 1.0},
               train={"epochs": 10, "batch_size": 128, "lr": 3e-3, "scheduler": "onecycle"}))
add(Recipe("mobilenet", "fashion-mnist", "fashion-mnist",
           table_description("0.5 MobileNet (small geometry)", 7),
           model_hp={"alpha": 0.5},
           train=table_training(7, weight_decay=0.0001)))
