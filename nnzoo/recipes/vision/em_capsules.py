"""Recipes of matrix capsules with EM routing (Hinton et al. 2018) on digits, MNIST and
Fashion-MNIST: the small variant of the model's defaults (A = 32, B = 8, C = D = 16; the
paper's smallNORB net has A = B = C = D = 32), Adam, and the spread loss's margin rising over
the first 2000 steps."""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

add(Recipe("em-capsules", "digits", "digits",
           "small EM capsule net (3x3 Conv1, 8 primary types, one 3x3/2 ConvCaps layer of 8 "
           "types) on the 8x8 digits, Adam, 15 epochs",
           model_hp={"conv_kernel": 3, "conv_stride": 1, "primary_types": 8,
                     "conv_caps": (3, 2, 8), "margin_steps": 300},
           train={"epochs": 15, "batch_size": 32, "lr": 3e-3, "scheduler": "cosine"},
           default=True))
for ds in ("mnist", "fashion-mnist"):
    add(Recipe("em-capsules", ds, ds,
               "small EM capsule net (A 32, B 8, C = D = 16) on 28x28 images, Adam, 10 epochs",
               train={"epochs": 10, "batch_size": 64, "lr": 3e-3, "scheduler": "cosine"}))
