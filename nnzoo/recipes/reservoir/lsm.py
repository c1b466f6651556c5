"""Recipes of the liquid state machine.

- ``lsm/spike-templates`` (default, offline): the paper's 135-neuron liquid (15x3x3 grid,
  lambda 2, dynamic synapses, delays) on the generated spike-template task (10 jittered
  Poisson templates of 4 channels x 100 ms, 1,000/500/500 samples); ridge readout of the
  30 ms-filtered spike trains at 4 time points, penalty by leave-one-out error.
- ``lsm/spike-templates-static``: the same liquid with static synapses (no short-term
  depression or facilitation), for comparison.
"""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

add(Recipe("lsm", "spike-templates", "spike-templates",
           "135-neuron LIF liquid (15x3x3, lambda 2, 80 % E), dynamic synapses and delays; "
           "ridge readout of 30 ms-filtered spikes at 4 time points (LOO penalty)",
           model_hp={"grid": (15, 3, 3), "dynamic_synapses": True, "delays": True,
                     "readout_times": 4},
           train={"epochs": 1}, metric="accuracy", higher_is_better=True, default=True))
add(Recipe("lsm", "spike-templates-static", "spike-templates",
           "the default liquid with static synapses (no short-term plasticity)",
           model_hp={"grid": (15, 3, 3), "dynamic_synapses": False, "delays": True,
                     "readout_times": 4},
           train={"epochs": 1}, metric="accuracy", higher_is_better=True))
