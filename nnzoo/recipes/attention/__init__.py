"""Attention: the recipes of the family :mod:`nnzoo.models.attention` (generated alignment
tasks, character language models)."""
