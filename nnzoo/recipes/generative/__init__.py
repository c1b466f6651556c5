"""Generative models: the recipes of the autoencoders, variational autoencoders,
deconvolutional nets and GANs (the family :mod:`nnzoo.models.generative`).
"""
