"""nnzoo's model implementations: one package per family, one file per architecture.

Importing this package imports every module in its family packages (``feedforward``,
``kernel``, ``energy``, ``classic``, ``reservoir``, ``recurrent``, ``text``, ``vision``),
which registers each architecture with :mod:`nnzoo.models.registry`; ``base``, ``registry``
and ``sklearn_api`` hold no model.
"""

from nnzoo.core.discover import import_submodules
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

import_submodules(__name__, skip=("base", "registry", "sklearn_api"))

from nnzoo.models.classic.markov_chain import MarkovChain  # noqa: E402
from nnzoo.models.classic.markov_text import MarkovText  # noqa: E402
from nnzoo.models.classic.som import SOM, SOMClassifier  # noqa: E402
from nnzoo.models.energy.dbn_estimator import DBNClassifier  # noqa: E402
from nnzoo.models.energy.rbm_estimator import RBMTransformer  # noqa: E402
from nnzoo.models.feedforward.elm import ELMClassifier, ELMRegressor  # noqa: E402
from nnzoo.models.kernel.rbf_net import RBFNetClassifier, RBFNetRegressor  # noqa: E402
from nnzoo.models.kernel.svm import SVMClassifier  # noqa: E402
from nnzoo.models.sklearn_api import (  # noqa: E402  (after the models it wraps)
    MLPClassifier,
    PerceptronClassifier,
    TorchClassifier,
)

register_estimator("mlp")(MLPClassifier)
register_estimator("perceptron")(PerceptronClassifier)

__all__ = [
    "SOM", "Card", "DBNClassifier", "ELMClassifier", "ELMRegressor", "MLPClassifier",
    "MarkovChain", "MarkovText", "ModelSpec", "PerceptronClassifier", "RBFNetClassifier",
    "RBFNetRegressor", "RBMTransformer", "SOMClassifier", "SVMClassifier", "TorchClassifier",
    "card", "create", "get_spec", "implemented_ids", "list_models", "register",
    "register_estimator",
]
