"""Image models: the recipes of the convolutional network (the family
:mod:`nnzoo.models.vision`).
"""
