"""nnzoo's model implementations, one file per architecture.

Importing this package imports every model file in it, which registers each architecture
with :mod:`nnzoo.models.registry` (the shared modules below hold no model).
"""

import importlib
import pkgutil

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

_SHARED = {"base", "registry", "sklearn_api"}
for _m in pkgutil.iter_modules(__path__):
    if _m.name not in _SHARED:
        importlib.import_module(f"{__name__}.{_m.name}")

from nnzoo.models.dbn import DBNClassifier  # noqa: E402
from nnzoo.models.elm import ELMClassifier, ELMRegressor  # noqa: E402
from nnzoo.models.markov_chain import MarkovChain  # noqa: E402
from nnzoo.models.markov_text import MarkovText  # noqa: E402
from nnzoo.models.rbf_net import RBFNetClassifier, RBFNetRegressor  # noqa: E402
from nnzoo.models.rbm import RBMTransformer  # noqa: E402
from nnzoo.models.sklearn_api import (  # noqa: E402  (after the models it wraps)
    MLPClassifier,
    PerceptronClassifier,
    TorchClassifier,
)
from nnzoo.models.som import SOM, SOMClassifier  # noqa: E402
from nnzoo.models.svm import SVMClassifier  # noqa: E402

register_estimator("mlp")(MLPClassifier)
register_estimator("perceptron")(PerceptronClassifier)

__all__ = [
    "SOM", "Card", "DBNClassifier", "ELMClassifier", "ELMRegressor", "MLPClassifier",
    "MarkovChain", "MarkovText", "ModelSpec", "PerceptronClassifier", "RBFNetClassifier",
    "RBFNetRegressor", "RBMTransformer", "SOMClassifier", "SVMClassifier", "TorchClassifier",
    "card", "create", "get_spec", "implemented_ids", "list_models", "register",
    "register_estimator",
]
