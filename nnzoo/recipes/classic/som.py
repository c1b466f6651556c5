"""Recipes of the Kohonen self-organising map.

- ``som/digits`` (default, offline): the 8x8 digits on a 20x20 rectangular map, MiniSom's
  online schedule (Gaussian neighbourhood, sigma 3, learning rate 0.5, both with MiniSom's
  asymptotic decay, 10,000 updates in random order, MiniSom's random initial weights); the
  units are labelled with the majority class of the training digits they win, and the test
  metric is the accuracy of those BMU labels (with the quantisation and topographic errors).
- ``som/digits-hex``: the same on a hexagonal map.
- ``som/digits-batch``: Kohonen's batch map, 30 epochs, sigma 6 decaying linearly to 1,
  weights initialised on the plane of the first two principal components.
- ``som/mnist``: the batch map on MNIST, 30x30 units, sigma 10 decaying linearly to 1, 20
  epochs, principal-component initialisation (needs ``NNZOO_DATA``).

The SOM is fitted in one call on the whole training split (``learning="closed-form"``); the
engine's ``epochs`` does not apply (``n_iterations`` / ``n_epochs`` set the schedule).
"""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

_ONLINE = {"map_size": (20, 20), "topology": "rectangular", "neighborhood": "gaussian",
           "sigma": 3.0, "learning_rate": 0.5, "decay": "asymptotic_decay",
           "sigma_decay": "asymptotic_decay", "training": "online", "n_iterations": 10000,
           "order": "random", "init": "random"}

add(Recipe("som", "digits", "digits",
           "20x20 rectangular map, online rule as MiniSom (Gaussian, sigma 3, learning rate "
           "0.5, asymptotic decay, 10,000 random-order updates); BMU-label classification",
           model_hp=_ONLINE, train={"epochs": 1}, metric="accuracy", default=True))
add(Recipe("som", "digits-hex", "digits",
           "20x20 hexagonal map, online rule as MiniSom (Gaussian, sigma 3, learning rate 0.5, "
           "asymptotic decay, 10,000 random-order updates); BMU-label classification",
           model_hp={**_ONLINE, "topology": "hexagonal"}, train={"epochs": 1},
           metric="accuracy"))
add(Recipe("som", "digits-batch", "digits",
           "20x20 rectangular map, Kohonen's batch map, 30 epochs, Gaussian sigma 6 decaying "
           "linearly to 1, PCA initialisation; BMU-label classification",
           model_hp={"map_size": (20, 20), "training": "batch", "n_epochs": 30, "sigma": 6.0,
                     "sigma_decay": "linear_decay_to_one", "init": "pca"},
           train={"epochs": 1}, metric="accuracy"))
add(Recipe("som", "mnist", "mnist",
           "30x30 rectangular map, Kohonen's batch map, 20 epochs, Gaussian sigma 10 decaying "
           "linearly to 1, PCA initialisation; BMU-label classification",
           model_hp={"map_size": (30, 30), "training": "batch", "n_epochs": 20, "sigma": 10.0,
                     "sigma_decay": "linear_decay_to_one", "init": "pca"},
           train={"epochs": 1, "eval_batch_size": 5000}, metric="accuracy"))
