"""Image models: the benchmarks of the convolutional network (the family
:mod:`nnzoo.models.vision`).
"""
