"""Energy-based models: the Hopfield network, the Boltzmann machine, the restricted Boltzmann
machine and the deep belief network.
"""
