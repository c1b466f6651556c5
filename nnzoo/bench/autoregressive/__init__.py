"""Autoregressive models: the benchmarks of the family :mod:`nnzoo.models.autoregressive`
beside makemore."""
