"""Reservoir computing: the recipes of the echo state network and the liquid state machine (the
family :mod:`nnzoo.models.reservoir`).
"""
