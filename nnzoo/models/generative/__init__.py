"""Generative models: autoencoders (plain, deep, sparse, denoising), variational
autoencoders (VAE, conditional, beta, DC-IGN), the generative deconvolutional net and
adversarial networks (GAN, DCGAN). :mod:`nnzoo.models.generative.generator` is what
``nnzoo sample`` asks of an image generator.
"""
