"""Kernel machines: the benchmarks of the radial basis function network and the support vector
machine (the family :mod:`nnzoo.models.kernel`).
"""
