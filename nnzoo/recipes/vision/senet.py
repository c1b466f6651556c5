"""Recipes of the squeeze-and-excitation networks (Hu et al. 2017) on digits, MNIST and
Fashion-MNIST."""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add
from nnzoo.recipes.vision.table import table_description, table_training

add(Recipe("senet", "digits", "digits",
           "SE-ResNet-20 (r = 16, CIFAR layout) on the 8x8 digits, Adam, cosine, 15 epochs",
           model_hp={"variant": "resnet20"},
           train={"epochs": 15, "batch_size": 64, "lr": 3e-3, "scheduler": "cosine"},
           default=True))
for ds in ("mnist",):
    add(Recipe("senet", ds, ds,
               "SE-ResNet-20 (r = 16, CIFAR layout) on 28x28 images, Adam with one-cycle, "
               "10 epochs", model_hp={"variant": "resnet20"},
               train={"epochs": 10, "batch_size": 128, "lr": 3e-3, "scheduler": "onecycle"}))
add(Recipe("senet", "fashion-mnist", "fashion-mnist",
           table_description("SE-ResNet-20 (r = 16)", 12),
           model_hp={"variant": "resnet20"},
           train=table_training(12)))
add(Recipe("senet", "fashion-mnist-ddp", "fashion-mnist",
           table_description("SE-ResNet-20 (r = 16)", 23)
           + "; sized for both cores (nnzoo train --nproc 2 --threads 1)",
           model_hp={"variant": "resnet20"},
           train=table_training(23)))
