"""Recipes of the densely connected networks (Huang et al. 2016) on digits, MNIST and
Fashion-MNIST."""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add
from nnzoo.recipes.vision.table import table_description, table_training

add(Recipe("densenet", "digits", "digits",
           "DenseNet-BC-40 (k = 12, CIFAR layout) on the 8x8 digits, Adam, cosine, 10 epochs",
           model_hp={"variant": "densenet-bc-40"},
           train={"epochs": 10, "batch_size": 64, "lr": 3e-3, "scheduler": "cosine"},
           default=True))
for ds in ("mnist",):
    add(Recipe("densenet", ds, ds,
               "DenseNet-BC-100 (k = 12, CIFAR layout) on 28x28 images, Adam with one-cycle, "
               "10 epochs", model_hp={"variant": "densenet-bc-100"},
               train={"epochs": 10, "batch_size": 64, "lr": 3e-3, "scheduler": "onecycle"}))
add(Recipe("densenet", "fashion-mnist", "fashion-mnist",
           table_description("DenseNet-BC-40 (k = 12, CIFAR layout)", 3),
           model_hp={"variant": "densenet-bc-40"},
           train=table_training(3)))
