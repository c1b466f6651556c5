"""Recipes of the DCGAN: digits (the offline default), MNIST and Fashion-MNIST, with
Radford et al.'s optimiser (Adam 2e-4, beta1 0.5) and batch size 128 (the paper's).

The last epoch's networks are kept (``restore_best=false``): D's held-out loss does not rank
generators.
"""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

_KEEP_LAST = {"restore_best": False}

add(Recipe("dcgan", "digits", "digits",
           "DCGAN 8x8 (2x2 -> 4x4 -> 8x8, width 32, z 100), Adam 2e-4 beta1 0.5, 30 epochs",
           train={"epochs": 30, "batch_size": 64, "lr": 2e-4, **_KEEP_LAST},
           metric="loss", higher_is_better=False, default=True))
for ds in ("mnist", "fashion-mnist"):
    add(Recipe("dcgan", ds, ds,
               "DCGAN 28x28 (7x7 -> 14x14 -> 28x28, width 64, z 100), Adam 2e-4 beta1 0.5, "
               "batch 128, 20 epochs", model_hp={"width": 64},
               train={"epochs": 20, "batch_size": 128, "lr": 2e-4, **_KEEP_LAST},
               metric="loss", higher_is_better=False))
