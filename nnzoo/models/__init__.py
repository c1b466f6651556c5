"""nnzoo's model implementations, one file per architecture.

Importing this package registers every model file with :mod:`nnzoo.models.registry`.
"""

from nnzoo.models import cnn, mlp, perceptron  # noqa: F401  (registration)
from nnzoo.models.registry import (
    Card,
    ModelSpec,
    card,
    create,
    get_spec,
    implemented_ids,
    list_models,
    register,
    register_estimator,
)
from nnzoo.models.sklearn_api import MLPClassifier, PerceptronClassifier, TorchClassifier

register_estimator("mlp")(MLPClassifier)
register_estimator("perceptron")(PerceptronClassifier)

__all__ = [
    "Card", "MLPClassifier", "ModelSpec", "PerceptronClassifier", "TorchClassifier", "card",
    "create", "get_spec", "implemented_ids", "list_models", "register", "register_estimator",
]
