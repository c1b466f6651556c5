"""Recipes of the VGG networks (Simonyan and Zisserman 2014) on digits, MNIST and
Fashion-MNIST."""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add
from nnzoo.recipes.vision.table import table_description, table_training

add(Recipe("vgg", "digits", "digits",
           "VGG-11 (A) with batch norm, small geometry, on the digits resized to 16x16, Adam, "
           "cosine, 10 epochs", dataset_args={"size": 16}, model_hp={"variant": "vgg11"},
           train={"epochs": 10, "batch_size": 64, "lr": 1e-3, "scheduler": "cosine"},
           default=True))
for ds in ("mnist",):
    for v in ("vgg11", "vgg16"):
        add(Recipe("vgg", f"{ds}-{v}" if v != "vgg11" else ds, ds,
                   f"{v.upper()} with batch norm (small geometry) on 28x28 images, Adam with "
                   "one-cycle, 10 epochs", model_hp={"variant": v},
                   train={"epochs": 10, "batch_size": 128, "lr": 2e-3,
                          "scheduler": "onecycle"}))
add(Recipe("vgg", "fashion-mnist", "fashion-mnist",
           table_description("VGG-11 with batch norm (small geometry)", 6, lr=0.05),
           model_hp={"variant": "vgg11"},
           train=table_training(6, lr=0.05)))
