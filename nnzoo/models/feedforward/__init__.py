"""Feed-forward networks: the perceptron, the multilayer perceptron and the extreme learning
machine.
"""
