"""Recipes of the generative deconvolutional net: digits (the offline default), MNIST and
Fashion-MNIST. The validation Bernoulli reconstruction loss (nats per image) picks the
epoch."""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

add(Recipe("deconvnet", "digits", "digits",
           "code = one-hot class + 8-d style (conv encoder); 2 transposed-conv stages "
           "(width 32), Adam 1e-3, 40 epochs",
           train={"epochs": 40, "batch_size": 64, "lr": 1e-3},
           metric="loss", higher_is_better=False, default=True))
for ds in ("mnist", "fashion-mnist"):
    add(Recipe("deconvnet", ds, ds,
               "code = one-hot class + 16-d style (conv encoder); 2 transposed-conv stages "
               "(width 64), Adam 1e-3, 10 epochs", model_hp={"style_dim": 16, "width": 64},
               train={"epochs": 10, "batch_size": 128, "lr": 1e-3},
               metric="loss", higher_is_better=False))
