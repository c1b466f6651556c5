"""Feed-forward networks: the recipes of the perceptron, the multilayer perceptron and the
extreme learning machine (the family :mod:`nnzoo.models.feedforward`).
"""
