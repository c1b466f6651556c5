"""Classic statistical and competitive models: the recipes of the Markov chain (and its text
generator) and the self-organising map (the family :mod:`nnzoo.models.classic`).
"""
