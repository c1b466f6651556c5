"""Classic statistical and competitive models: the Markov chain (and its text generator) and
the self-organising map.
"""
