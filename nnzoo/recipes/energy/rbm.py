"""Recipes of the energy-based models: the restricted Boltzmann machine and the Boltzmann
machine.

- ``rbm/digits`` (default, offline): scikit-learn's gallery set-up, 100 hidden units, PCD-1
  with 10 chains, learning rate 0.06, batch 10, 10 epochs;
- ``rbm/mnist``: 1024 hidden units, CD-1 on visible probabilities, momentum 0.5 for 5 epochs
  then 0.9, L2 1e-5, visible biases from the data, batch 20, 40 epochs (2,750 updates an
  epoch); with logistic regression on its hidden probabilities it reaches <= 1.83 % MNIST
  test error (``nnzoo bench rbm --tier full``);
- ``bm/bars-and-stripes`` (default, offline): 16 visible and 4 hidden fully connected units on
  the 4x4 bars-and-stripes distribution; the exact log-likelihood is logged every epoch.
"""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

# -- RBM ----------------------------------------------------------------------------------------
add(Recipe("rbm", "digits", "digits",
           "Bernoulli RBM, 100 hidden units, PCD-1 (10 chains), learning rate 0.06, batch 10, "
           "10 epochs (scikit-learn's gallery set-up)",
           model_hp={"n_hidden": 100, "k": 1, "persistent": True, "n_chains": 10,
                     "learning_rate": 0.06},
           train={"epochs": 10, "batch_size": 10}, metric="loss", higher_is_better=False,
           default=True))
add(Recipe("rbm", "mnist", "mnist",
           "Bernoulli RBM, 1024 hidden units, CD-1 on visible probabilities, learning rate "
           "0.05, momentum 0.5 for 5 epochs then 0.9, L2 1e-5, visible biases from the data, "
           "batch 20, 40 epochs",
           model_hp={"n_hidden": 1024, "k": 1, "persistent": False, "n_chains": 1,
                     "learning_rate": 0.05, "momentum_coef": 0.9,
                     "momentum_warmup": 5 * 2750, "l2": 1e-5, "mean_field_visible": True,
                     "vbias_init": "logit-mean"},
           train={"epochs": 40, "batch_size": 20}, metric="loss", higher_is_better=False))

# -- Boltzmann machine ------------------------------------------------------------------------
add(Recipe("bm", "bars-and-stripes", "bars-and-stripes",
           "Boltzmann machine, 16 visible + 4 hidden units fully connected, persistent Gibbs "
           "negative phase (100 chains), exact log-likelihood each epoch",
           model_hp={"n_hidden": 4},
           train={"epochs": 100, "batch_size": 10}, metric="log_likelihood",
           higher_is_better=True, default=True))
