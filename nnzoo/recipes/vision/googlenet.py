"""Recipes of GoogLeNet (Szegedy et al. 2014) on digits, MNIST and Fashion-MNIST."""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add
from nnzoo.recipes.vision.table import table_description, table_training

add(Recipe("googlenet", "digits", "digits",
           "GoogLeNet (small geometry, auxiliary heads) on the 8x8 digits, Adam, cosine, "
           "4 epochs",
           train={"epochs": 4, "batch_size": 64, "lr": 2e-3, "scheduler": "cosine"},
           default=True))
add(Recipe("googlenet", "mnist", "mnist",
           "GoogLeNet (small geometry, auxiliary heads) on 28x28 images, Adam with one-cycle, "
           "10 epochs",
           train={"epochs": 10, "batch_size": 128, "lr": 2e-3, "scheduler": "onecycle"}))
# the full small geometry trains at a few images a second on one thread: the table's net
# keeps every module and branch at a quarter of the widths, after a stem of stride 2
add(Recipe("googlenet", "fashion-mnist", "fashion-mnist",
           table_description("GoogLeNet at 0.25 width, stem of stride 2 (auxiliary heads)", 5),
           model_hp={"width": 0.25, "stem_stride": 2},
           train=table_training(5)))
