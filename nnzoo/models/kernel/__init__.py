"""Kernel machines: the radial basis function network and the support vector machine."""
