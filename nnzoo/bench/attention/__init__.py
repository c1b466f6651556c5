"""Attention: the benchmarks of the family :mod:`nnzoo.models.attention` beside nanoGPT,
makemore and the generated tasks' exact answers."""
