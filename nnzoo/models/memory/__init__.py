"""Memory networks and neural programming: end-to-end memory networks, DMN+, the neural
Turing machine and the differentiable neural computer."""
