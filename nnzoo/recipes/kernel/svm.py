"""Recipes of the support vector machine.

- ``svm/digits`` (default, offline): RBF kernel, C = 10, gamma = ``scale``, one-vs-one; the
  8x8 digits with pixels in [0, 1] (``nnzoo bench svm`` compares it with scikit-learn's
  ``SVC`` at the same C and gamma);
- ``svm/moons``: RBF kernel, C = 1, gamma = 1 on two half moons in the plane: the picture of
  the decision regions, the margins f = +-1 and the support vectors;
- ``svm/mnist-10k``: RBF kernel, C = 5, gamma = 0.05 on the first 10,000 MNIST training
  images (pixels in [0, 1]), float32 kernel matrix; tested on the 10,000 test images.

The SVM is closed-form: ``nnzoo train`` calls ``fit`` once on the whole training split.
"""

from __future__ import annotations

from nnzoo.recipes.base import Recipe, add

add(Recipe("svm", "digits", "digits",
           "RBF-kernel SVM, C=10, gamma='scale', one-vs-one (45 problems solved together by "
           "SMO with second-order working-set selection)",
           model_hp={"kernel": "rbf", "C": 10.0, "gamma": "scale", "multiclass": "ovo"},
           train={"epochs": 1}, default=True))
add(Recipe("svm", "moons", "moons",
           "RBF-kernel SVM, C=1, gamma=1 on two half moons: decision regions, margins and "
           "support vectors",
           model_hp={"kernel": "rbf", "C": 1.0, "gamma": 1.0}, train={"epochs": 1}))
add(Recipe("svm", "mnist-10k", "mnist-10k",
           "RBF-kernel SVM, C=5, gamma=0.05, one-vs-one, on 10,000 MNIST training images "
           "(float32 kernel matrix)",
           model_hp={"kernel": "rbf", "C": 5.0, "gamma": 0.05, "multiclass": "ovo",
                     "kernel_dtype": "float32"},
           train={"epochs": 1, "eval_batch_size": 2000}))
