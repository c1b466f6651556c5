"""Recipes of the RBF network.

- ``rbf-net/digits`` (default, offline): 200 Gaussian centres by k-means on the digits,
  widths twice the mean distance to the 2 nearest centres, ridge readout by leave-one-out;
- ``rbf-net/friedman1``: 200 centres, regression;
- ``rbf-net/diabetes``: 20 centres (317 training samples), regression;
- ``rbf-net/digits-finetune``: the default followed by 20 epochs of gradient fine-tuning of
  centres, widths and readout.
"""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

ONE_EPOCH = {"epochs": 1}  # a closed-form fit: one pass, the engine evaluates it once

add(Recipe("rbf-net", "digits", "digits",
           "RBF network, 200 Gaussian centres by k-means++ / Lloyd, widths = 2 x mean distance "
           "to the 2 nearest centres, ridge readout by leave-one-out",
           model_hp={"n_centres": 200, "width_scale": 2.0}, train=ONE_EPOCH, default=True))
add(Recipe("rbf-net", "digits-finetune", "digits",
           "the digits recipe, then 20 epochs of Adam fine-tuning (lr 0.01) of centres, "
           "widths and readout",
           model_hp={"n_centres": 200, "width_scale": 2.0, "finetune_epochs": 20},
           train=ONE_EPOCH))
add(Recipe("rbf-net", "friedman1", "friedman1",
           "RBF network regression, 200 Gaussian centres by k-means, nearest-centre widths",
           model_hp={"n_centres": 200}, train=ONE_EPOCH, metric="mse", higher_is_better=False))
add(Recipe("rbf-net", "diabetes", "diabetes",
           "RBF network regression, 20 Gaussian centres by k-means, nearest-centre widths",
           model_hp={"n_centres": 20}, train=ONE_EPOCH, metric="mse", higher_is_better=False))
