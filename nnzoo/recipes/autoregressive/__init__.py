"""Autoregressive models: the recipes of the family :mod:`nnzoo.models.autoregressive`
(``names.txt`` characters, a generated audio-like signal)."""
