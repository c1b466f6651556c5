"""Recipes of the echo state network.

- ``esn/mackey-glass`` (default, offline): reservoirpy's tutorial ESN (100 units, spectral
  radius 1.25, leak rate 0.3, ridge 1e-5, 100-step washout, sparse +-1 input weights of
  connectivity 0.1, no bias) on the ``mackey-glass`` dataset (tau 17, 10,000 steps,
  train/val/test 70/10/20 % in time order), one-step forecasting;
- ``esn/narma10``: 200 units, spectral radius 0.9, no leak, dense input weights scaled 0.2,
  biases 0.5, ridge 1e-8: NARMA10 system identification (validation NRMSE about 0.17);
- ``esn/lorenz``: 300 units, spectral radius 0.9, no leak, dense input weights scaled 0.1,
  biases 0.5, ridge 1e-7: one-step forecasting of the standardised Lorenz system.

Each split is evaluated as one sequence (``eval_batch_size`` larger than any split), so the
validation split continues the reservoir state where the training series ended.
"""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

_ONE_PASS = {"epochs": 1, "eval_batch_size": 1_000_000}

add(Recipe("esn", "mackey-glass", "mackey-glass",
           "reservoirpy's tutorial ESN: 100 units, spectral radius 1.25, leak rate 0.3, ridge "
           "1e-5, washout 100; one-step Mackey-Glass forecasting",
           model_hp={"n_units": 100, "spectral_radius": 1.25, "leak_rate": 0.3, "ridge": 1e-5,
                     "washout": 100, "connectivity": 0.1, "input_connectivity": 0.1,
                     "input_scaling": 1.0, "bias_scaling": 0.0},
           train=_ONE_PASS, metric="rmse", higher_is_better=False, default=True))
add(Recipe("esn", "narma10", "narma10",
           "200 units, spectral radius 0.9, no leak, dense inputs scaled 0.2, biases 0.5, ridge "
           "1e-8, washout 100; NARMA10 system identification",
           model_hp={"n_units": 200, "spectral_radius": 0.9, "leak_rate": 1.0, "ridge": 1e-8,
                     "washout": 100, "input_connectivity": 1.0, "input_scaling": 0.2,
                     "bias_scaling": 0.5},
           train=_ONE_PASS, metric="nrmse", higher_is_better=False))
add(Recipe("esn", "lorenz", "lorenz",
           "300 units, spectral radius 0.9, no leak, dense inputs scaled 0.1, biases 0.5, ridge "
           "1e-7, washout 100; one-step forecasting of the standardised Lorenz system",
           model_hp={"n_units": 300, "spectral_radius": 0.9, "leak_rate": 1.0, "ridge": 1e-7,
                     "washout": 100, "input_connectivity": 1.0, "input_scaling": 0.1,
                     "bias_scaling": 0.5},
           train=_ONE_PASS, metric="rmse", higher_is_better=False))
