"""Energy-based models: the recipes of the Hopfield network, the Boltzmann machine, the
restricted Boltzmann machine and the deep belief network (the family
:mod:`nnzoo.models.energy`).
"""
