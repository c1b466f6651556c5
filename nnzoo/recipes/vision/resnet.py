"""Recipes of the residual networks on digits, MNIST and Fashion-MNIST."""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add
from nnzoo.recipes.vision.table import table_description, table_training

add(Recipe("resnet", "digits", "digits",
           "ResNet-20 (CIFAR layout, option A shortcuts) on the 8x8 digits, Adam, cosine, "
           "15 epochs", model_hp={"variant": "resnet20"},
           train={"epochs": 15, "batch_size": 64, "lr": 3e-3, "scheduler": "cosine"},
           default=True))
for ds in ("mnist",):
    add(Recipe("resnet", f"{ds}", ds,
               "ResNet-20 (CIFAR layout) on 28x28 images, Adam with one-cycle, 10 epochs",
               model_hp={"variant": "resnet20"},
               train={"epochs": 10, "batch_size": 128, "lr": 3e-3, "scheduler": "onecycle"}))
add(Recipe("resnet", "fashion-mnist", "fashion-mnist",
           table_description("ResNet-20 (CIFAR layout, option A shortcuts)", 12),
           model_hp={"variant": "resnet20"},
           train=table_training(12)))
add(Recipe("resnet", "fashion-mnist-ddp", "fashion-mnist",
           table_description("ResNet-20 (CIFAR layout, option A shortcuts)", 28)
           + "; sized for both cores (nnzoo train --nproc 2 --threads 1)",
           model_hp={"variant": "resnet20"},
           train=table_training(28)))
