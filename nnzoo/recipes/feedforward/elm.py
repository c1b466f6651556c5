"""Recipes of the extreme learning machine.

- ``elm/digits`` (default, offline): 1000 sigmoid neurons on the scikit-learn digits, ridge
  penalty by leave-one-out;
- ``elm/mnist``: 2000 sigmoid neurons on MNIST (55k training images), penalty by
  leave-one-out on 4000 rows (``nnzoo bench elm --tier full`` sets it beside hpelm);
- ``elm/friedman1``, ``elm/diabetes``: regression, 500 sigmoid neurons / 100 for the 317
  diabetes samples.
"""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

ONE_EPOCH = {"epochs": 1}  # a closed-form fit: one pass, the engine evaluates it once

add(Recipe("elm", "digits", "digits",
           "ELM, 1000 sigmoid neurons (hpelm's draws), ridge readout, penalty by leave-one-out",
           model_hp={"neurons": "sigm:1000"}, train=ONE_EPOCH, default=True))
add(Recipe("elm", "mnist", "mnist",
           "ELM, 2000 sigmoid neurons, ridge readout, penalty by leave-one-out on 4000 rows",
           model_hp={"neurons": "sigm:2000", "loo_samples": 4000},
           train={**ONE_EPOCH, "eval_batch_size": 5000}))
add(Recipe("elm", "friedman1", "friedman1",
           "ELM regression, 500 sigmoid neurons, penalty by leave-one-out",
           model_hp={"neurons": "sigm:500"}, train=ONE_EPOCH, metric="mse",
           higher_is_better=False))
add(Recipe("elm", "diabetes", "diabetes",
           "ELM regression, 100 sigmoid neurons, penalty by leave-one-out",
           model_hp={"neurons": "sigm:100"}, train=ONE_EPOCH, metric="mse",
           higher_is_better=False))
